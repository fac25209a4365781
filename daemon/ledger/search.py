"""The full-text index (SQLite FTS5) over transcripts, summaries and action items.

What goes in the index and how meetings are ranked is ``daemon.search``'s; this store keeps the
rows and runs the MATCH.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from daemon.ledger.db import Database


@dataclass(frozen=True)
class Hit:
    recording_id: int
    kind: str
    at: float | None
    text: str
    snippet: str
    report: Path | None
    rank: float


class SearchStore:
    """Table: search_index."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace(self, recording_id: int, rows: Sequence[tuple[str, str, float | None]]) -> None:
        """Make (text, kind, at) ``rows`` a recording's whole share of the index."""
        with self._db.tx() as db:
            db.execute("DELETE FROM search_index WHERE recording_id = ?", (recording_id,))
            db.executemany(
                "INSERT INTO search_index (text, kind, recording_id, at) VALUES (?, ?, ?, ?)",
                [(text, kind, recording_id, at) for text, kind, at in rows],
            )

    def lines(self, match: str, limit: int) -> list[Hit]:
        """Lines matching an FTS5 ``match`` expression, best (lowest BM25) first."""
        rows = self._db.query(
            "SELECT s.recording_id, s.kind, s.at, s.text, "
            "snippet(search_index, 0, '**', '**', '…', 16) AS snippet, "
            "bm25(search_index) AS rank, p.markdown AS report FROM search_index s "
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
