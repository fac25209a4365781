"""Full-text search over meetings: transcripts, summaries and action items (SQLite FTS5).

Each recording's rows are replaced whenever its transcript or summary is saved, so the index
never disagrees with the ledger. Queries are taken as words, all of which must occur in a line
(so a stray quote or hyphen in a query is never an FTS syntax error). Lines are ranked with
FTS5's BM25, and a meeting by the sum over its matching lines, so the meeting that is about the
words comes before one that mentions them once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from daemon.ledger import Ledger
from daemon.models import Transcript
from daemon.summarize.schema import Summary


@dataclass(frozen=True)
class Hit:
    recording_id: int
    kind: str
    at: float | None
    text: str
    snippet: str
    report: Path | None
    rank: float


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
    with ledger.transaction() as db:
        db.execute("DELETE FROM search_index WHERE recording_id = ?", (recording_id,))
        db.executemany(
            "INSERT INTO search_index (text, kind, recording_id, at) VALUES (?, ?, ?, ?)",
            [(text, kind, recording_id, at) for text, kind, at in rows],
        )


def search(ledger: Ledger, query: str, limit: int = 20, per_meeting: int = 3) -> list[Hit]:
    """Meetings best matching ``query`` first (BM25 summed over their lines), a few lines each."""
    terms = re.findall(r"\w+", query.lower())
    if not terms:
        return []
    match = " ".join(f'"{term}"' for term in terms)
    hits = _lines(ledger, match, limit=500)
    by_meeting: dict[int, list[Hit]] = {}
    for hit in hits:
        by_meeting.setdefault(hit.recording_id, []).append(hit)
    ranked = sorted(by_meeting.values(), key=lambda group: sum(h.rank for h in group))
    return [h for group in ranked for h in group[:per_meeting]][:limit]


def _lines(ledger: Ledger, match: str, limit: int) -> list[Hit]:
    rows = ledger.query(
        "SELECT s.recording_id, s.kind, s.at, s.text, "
        "snippet(search_index, 0, '**', '**', '…', 16) AS snippet, bm25(search_index) AS rank, "
        "p.markdown AS report FROM search_index s "
        "LEFT JOIN reports p ON p.recording_id = s.recording_id "
        "WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
        (match, limit),
    )
    return [
        Hit(
            recording_id=int(r["recording_id"]),
            kind=str(r["kind"]),
            at=float(r["at"]) if r["at"] is not None else None,
            text=str(r["text"]),
            snippet=str(r["snippet"]),
            report=Path(r["report"]) if r["report"] else None,
            rank=float(r["rank"]),
        )
        for r in rows
    ]
