"""Ranking passages for ``minutes search`` and ``minutes ask``: BM25, embeddings, and their fusion.

Keyword ranking is FTS5's BM25 over the passages, any of the query's words (less stop words):
a question in plain English rarely has every word in one passage. Semantic ranking is the
cosine of the query's embedding with every stored vector of the same model, in NumPy: the
vectors are read as one float32 matrix and multiplied once. (sqlite-vec would do the same
brute-force scan inside SQLite; at 10,000 meetings the NumPy scan is one matrix product over
blobs SQLite already stores, with no extension to load or ship per platform, so it is the
simpler of the two; ``bench/bench_retrieval.py --scale`` measures it.)

Fusion is reciprocal rank fusion (Cormack et al. 2009): score = sum over the two lists of
1 / (60 + rank). It needs no calibration between BM25 and cosine scores, and a passage that only
one list finds (a paraphrase BM25 misses) still ranks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from daemon.embed import Embedder
from daemon.errors import ConfigError
from daemon.ledger import Hit, Ledger
from daemon.ledger.passages import Passage, PassageStore

Mode = Literal["auto", "keyword", "semantic", "hybrid"]
RRF_K = 60
CANDIDATES = 200

STOP_WORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have how i if in "
    "is it its me my of on or our so that the their them then there they this to was we were "
    "what when where which who whom why will with would you your about any still".split()
)


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    meeting: int | None = None
    owner: str | None = None

    def allows(self, passage: Passage) -> bool:
        if self.owner is None:
            return True
        owner = self.owner.casefold()
        speakers = [s.strip().casefold() for s in (passage.speaker or "").split(",")]
        return owner in speakers


@dataclass(frozen=True)
class Ranked:
    passage: Passage
    score: float  # the fused score, the cosine, or minus BM25: higher is better
    keyword_rank: int | None = None  # 1-based place in each list, when in it
    semantic_rank: int | None = None


def resolve_mode(ledger: Ledger, embedder: Embedder | None, mode: Mode) -> Mode:
    """``auto``: fusion when the configured model has embedded passages, else keyword."""
    if mode == "semantic" and embedder is None:
        raise ConfigError(
            "--semantic needs an embedder: set search.embedder to local or openai",
            key="search.embedder",
        )
    if mode != "auto":
        return mode if embedder is not None or mode == "keyword" else "keyword"
    if embedder is None:
        return "keyword"
    _, embedded = ledger.passages.counts(embedder.identity)
    return "hybrid" if embedded else "keyword"


def find(
    ledger: Ledger,
    query: str,
    embedder: Embedder | None,
    *,
    mode: Mode = "auto",
    filters: Filters = Filters(),  # frozen, so one shared default is safe
    limit: int = 10,
) -> list[Ranked]:
    """The passages best matching ``query``, best first."""
    mode = resolve_mode(ledger, embedder, mode)
    store = ledger.passages
    allowed = _allowed_recordings(ledger, filters)
    lists: list[list[int]] = []
    keyword: list[int] = []
    semantic: list[int] = []
    scores: dict[int, float] = {}
    if mode in ("keyword", "hybrid"):
        for pid, bm25 in _keyword(store, query):
            scores.setdefault(pid, -bm25)
            keyword.append(pid)
        lists.append(keyword)
    if mode in ("semantic", "hybrid"):
        assert embedder is not None
        for pid, cosine in _semantic(store, embedder, query, allowed):
            if mode == "semantic":
                scores.setdefault(pid, cosine)
            semantic.append(pid)
        lists.append(semantic)
    passages = store.get({pid for ranked in lists for pid in ranked})

    def keep(pid: int) -> bool:
        p = passages.get(pid)
        return (
            p is not None and (allowed is None or p.recording_id in allowed) and filters.allows(p)
        )

    keyword = [pid for pid in keyword if keep(pid)]
    semantic = [pid for pid in semantic if keep(pid)]
    k_rank = {pid: n for n, pid in enumerate(keyword, start=1)}
    s_rank = {pid: n for n, pid in enumerate(semantic, start=1)}
    if mode == "hybrid":
        fused = {
            pid: sum(1.0 / (RRF_K + r[pid]) for r in (k_rank, s_rank) if pid in r)
            for pid in {*k_rank, *s_rank}
        }
        order = sorted(fused, key=lambda pid: (-fused[pid], pid))
        scores = fused
    else:
        order = keyword if mode == "keyword" else semantic
    return [
        Ranked(passages[pid], scores[pid], k_rank.get(pid), s_rank.get(pid))
        for pid in order[:limit]
    ]


def query_terms(query: str) -> list[str]:
    terms = re.findall(r"\w+", query.lower())
    content = [t for t in terms if t not in STOP_WORDS]
    return content or terms


def _keyword(store: PassageStore, query: str) -> list[tuple[int, float]]:
    terms = query_terms(query)
    if not terms:
        return []
    return store.keyword(" OR ".join(f'"{t}"' for t in dict.fromkeys(terms)), CANDIDATES)


def _semantic(
    store: PassageStore, embedder: Embedder, query: str, allowed: set[int] | None
) -> list[tuple[int, float]]:
    if not query.strip():
        return []
    matrix = store.matrix(embedder.identity)
    if not len(matrix.passage_ids):
        return []
    (vector,) = embedder.embed([query])
    scores = matrix.vectors @ vector
    if allowed is not None:
        scores = np.where(np.isin(matrix.recording_ids, list(allowed)), scores, -np.inf)
    top = np.argsort(-scores, kind="stable")[:CANDIDATES]
    return [(int(matrix.passage_ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def _allowed_recordings(ledger: Ledger, filters: Filters) -> set[int] | None:
    allowed: set[int] | None = None
    if filters.since is not None or filters.until is not None:
        allowed = ledger.passages.recordings_between(filters.since, filters.until)
    if filters.meeting is not None:
        allowed = {filters.meeting} if allowed is None else allowed & {filters.meeting}
    return allowed


def as_hits(ranked: list[Ranked], limit: int, per_meeting: int = 3) -> list[Hit]:
    """``minutes search``'s hits: meetings in the order of their best passage, a few each."""
    by_meeting: dict[int, list[Ranked]] = {}
    for r in ranked:
        by_meeting.setdefault(r.passage.recording_id, []).append(r)
    hits = [
        Hit(
            recording_id=r.passage.recording_id, kind=r.passage.kind, at=r.passage.start,
            text=r.passage.text, snippet=_snippet(r.passage.text), report=r.passage.report,
            rank=-r.score,
        )
        for group in by_meeting.values()
        for r in group[:per_meeting]
    ]  # fmt: skip
    return hits[:limit]


def _snippet(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
