"""``minutes ask QUESTION``: the best passages across meetings, and an answer that cites them.

1. Retrieve: the passages best matching the question (``daemon.search.rank``: fusion of BM25
   and embeddings when passages are embedded, else BM25), within ``--since/--until/--meeting/
   --owner``.
2. With an LLM summarizer configured (``summarizer.name = "openai"``), the model answers from
   those passages, may call tools on the action-item ledger (``daemon.ask.tools``), and cites
   sources by key with a quote; every citation is checked (``daemon.ask.grounding``) and one
   that names no given source, or quotes what the source does not say, is dropped and listed.
3. Without one (the embedded default), or with ``privacy.redact`` on, there is no answer: the
   best passages and the open action items that match the question are shown, labelled as
   passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from daemon import actions
from daemon.ask.grounding import Citation, Dropped, check
from daemon.ask.sources import Registry, Source
from daemon.config import Settings
from daemon.embed import embedder_for
from daemon.ledger import Ledger
from daemon.search.rank import Filters, find, query_terms, resolve_mode

PASSAGES = 8
ITEMS = 10


@dataclass(frozen=True)
class AskResult:
    question: str
    retrieval: str  # "hybrid", "semantic" or "keyword"
    passages: tuple[Source, ...]  # in rank order
    answer: str | None = None  # None: no LLM configured, passages only
    citations: tuple[Citation, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    open_items: tuple[Source, ...] = ()
    model: str | None = None
    tool_calls: tuple[str, ...] = field(default=())
    why_no_answer: str = 'no language model is configured (summarizer.name = "openai" gives one)'


def ask(
    settings: Settings, ledger: Ledger, question: str, filters: Filters, today: date
) -> AskResult:
    embedder = embedder_for(settings, ledger)
    mode = resolve_mode(ledger, embedder, "auto")
    registry = Registry()
    found = find(ledger, question, embedder, mode=mode, filters=filters, limit=PASSAGES)
    passages = tuple(registry.passage(r.passage) for r in found)
    if settings.summarizer.name != "openai" or settings.privacy.redact:
        # With redaction on, passages would leave the machine as they are: the placeholder map
        # is made per meeting for summaries, and an answer across meetings has none.
        items = matching_items(ledger, question, filters, registry)
        why = (
            "privacy.redact is on, so meetings' passages are not sent to the language model"
            if settings.summarizer.name == "openai"
            else AskResult.why_no_answer
        )
        return AskResult(question, mode, passages, open_items=tuple(items), why_no_answer=why)
    from daemon.api.audit import AuditLog
    from daemon.api.client import ApiClient
    from daemon.ask.llm import AskModel
    from daemon.ask.tools import Toolbox

    api = ApiClient(settings.openai, ledger, audit=AuditLog(settings.state_dir, settings.audit))
    model = AskModel(settings.summarizer, api, Toolbox(ledger, embedder, filters, registry))
    try:
        answer = model.answer(question, list(passages), today)
    finally:
        api.close()  # one question, one client: its connections end with the answer
    citations, dropped = check([(c.source, c.quote) for c in answer.citations], registry)
    return AskResult(
        question, mode, passages, answer=_linked(answer.answer, citations, dropped),
        citations=tuple(citations), dropped=tuple(dropped), model=settings.summarizer.model,
        tool_calls=tuple(model.calls),
    )  # fmt: skip


def matching_items(
    ledger: Ledger, question: str, filters: Filters, registry: Registry
) -> list[Source]:
    """Open action items sharing a word (or its first five letters) with the question."""
    items = actions.list_items(
        ledger, statuses=("open",), owner=filters.owner, recording_id=filters.meeting
    )
    items = [
        i for i in items
        if (filters.since is None or i.meeting_date >= filters.since)
        and (filters.until is None or i.meeting_date <= filters.until)
    ]  # fmt: skip
    stems = {t[:5] for t in query_terms(question) if len(t) > 2}
    scored = []
    for item in items:
        words = {w[:5] for w in re.findall(r"\w+", f"{item.owner or ''} {item.task}".lower())}
        overlap = len(stems & words)
        if overlap or (filters.owner is not None and not stems):
            scored.append((-overlap, item.id, item))
    titles = {s.recording_id: s.meeting for s in registry.by_key.values()}
    return [registry.item(i, titles.get(i.recording_id)) for _, _, i in sorted(scored)[:ITEMS]]


def _linked(text: str, citations: list[Citation], dropped: list[Dropped]) -> str:
    """Inline keys become ``[meeting, hh:mm:ss]``; keys of dropped citations are removed."""
    good = {c.source.key: c.source.where for c in citations}

    def replace(match: re.Match[str]) -> str:
        keys = [k.strip() for k in match.group(1).split(",")]
        shown = [good[k] for k in keys if k in good]
        return " ".join(dict.fromkeys(shown))

    linked = re.sub(r"\[((?:[PA]\d+)(?:\s*,\s*[PA]\d+)*)\]", replace, text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", linked)).strip()
