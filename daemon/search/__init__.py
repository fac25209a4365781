"""Search over meetings. This module: full-text search over transcripts, summaries and action
items (SQLite FTS5); ``passages``, ``rank`` and ``index`` add semantic search (issue 13).

Each recording's rows are replaced whenever its transcript or summary is saved, so the index
never disagrees with the ledger. Queries are taken as words, all of which must occur in a line
(so a stray quote or hyphen in a query is never an FTS syntax error). Lines are ranked with
FTS5's BM25, and a meeting by the sum over its matching lines, so the meeting that is about the
words comes before one that mentions them once.
"""

from __future__ import annotations

import re

from daemon.ledger import Ledger
from daemon.ledger.search import Hit as Hit
from daemon.models import Transcript
from daemon.summarize.schema import Summary


def index_recording(
    ledger: Ledger, recording_id: int, transcript: Transcript, summary: Summary | None
) -> None:
    rows: list[tuple[str, str, float | None]] = [
        (s.text, "transcript", s.start) for s in transcript.segments if s.text.strip()
    ]
    if summary is not None:
        rows.append((f"{summary.title}. {summary.overview}", "summary", None))
        rows.extend((point, "key point", None) for point in summary.key_points)
        rows.extend((d.text, "decision", d.evidence.start) for d in summary.decisions)
        rows.extend(
            (f"{a.owner or 'unassigned'}: {a.task}", "action item", a.evidence.start)
            for a in summary.action_items
        )
    ledger.search.replace(recording_id, rows)


def search(ledger: Ledger, query: str, limit: int = 20, per_meeting: int = 3) -> list[Hit]:
    """Meetings best matching ``query`` first (BM25 summed over their lines), a few lines each."""
    terms = re.findall(r"\w+", query.lower())
    if not terms:
        return []
    match = " ".join(f'"{term}"' for term in terms)
    hits = ledger.search.lines(match, limit=500)
    by_meeting: dict[int, list[Hit]] = {}
    for hit in hits:
        by_meeting.setdefault(hit.recording_id, []).append(hit)
    ranked = sorted(by_meeting.values(), key=lambda group: sum(h.rank for h in group))
    return [h for group in ranked for h in group[:per_meeting]][:limit]
