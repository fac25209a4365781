"""Passages and their embeddings: made when a report is made, and caught up by ``reindex``.

``index_report`` is the render stage's one call. It replaces the recording's passages (always:
it is local and cheap) and embeds them with the configured embedder. A failed embedding (the
API is down, paused, over budget; the local model files are damaged) is logged as a warning
and does not fail the recording: the passages are stored without vectors, keyword search finds
them, and ``minutes reindex`` embeds them later.

``reindex`` is resumable: it embeds, batch by batch, the passages that have no vector of the
current model, saving each batch before the next, so an interrupted run continues where it
stopped. It first makes passages for reported recordings that have none (ledgers from before
semantic search), and ``rebuild`` remakes every recording's passages first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from daemon.config import Settings
from daemon.embed import Embedder, embedder_for
from daemon.ledger import Ledger
from daemon.models import Transcript
from daemon.search.passages import passages_of
from daemon.summarize.schema import Summary

log = logging.getLogger("daemon.search.index")

Progress = Callable[[int, int], None]
"""Called with (passages embedded so far, passages to embed)."""


@dataclass(frozen=True)
class Reindexed:
    model: str
    rebuilt: int  # recordings whose passages were made again
    embedded: int  # passages embedded by this run
    total: int  # passages in the ledger


def index_report(
    settings: Settings, ledger: Ledger, recording_id: int, transcript: Transcript,
    summary: Summary | None,
) -> None:  # fmt: skip
    store = ledger.passages
    passages = passages_of(transcript, summary)
    ids = store.replace(recording_id, passages)
    try:
        embedder = embedder_for(settings, ledger)
        if embedder is None or not ids:
            return
        vectors = embedder.embed([p.text for p in passages])
        store.save_vectors(embedder.identity, ids, vectors)
    except Exception as exc:  # a search index must never fail the recording it indexes
        log.warning(
            "recording %d: passages not embedded (%s); `minutes reindex` will embed them",
            recording_id, exc,
        )  # fmt: skip


def rebuild_passages(ledger: Ledger, recording_id: int) -> bool:
    transcript = ledger.transcript(recording_id)
    if transcript is None:
        return False
    stored = ledger.summary(recording_id)
    ledger.passages.replace(recording_id, passages_of(transcript, stored[1] if stored else None))
    return True


def reindex(
    ledger: Ledger,
    embedder: Embedder,
    *,
    batch: int = 64,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> Reindexed:
    store = ledger.passages
    targets = (
        [r.id for r in ledger.recordings.in_states(("done",), limit=1_000_000)] if rebuild
        else store.reported_without_passages()
    )  # fmt: skip
    rebuilt = sum(rebuild_passages(ledger, rid) for rid in targets)
    total, embedded = store.counts(embedder.identity)
    todo = total - embedded
    done = 0
    while True:
        pending = store.missing(embedder.identity, batch)
        if not pending:
            break
        vectors = embedder.embed([text for _, text in pending])
        store.save_vectors(embedder.identity, [pid for pid, _ in pending], vectors)
        done += len(pending)
        if progress is not None:
            progress(done, todo)
    return Reindexed(embedder.identity, rebuilt, done, total)
