"""Passages for semantic search and ``minutes ask``: their text, keyword index and embeddings.

A passage is a few sentences of transcript (with speaker and time), a decision or an action
item. A recording's passages are replaced as a whole when its report is made; their vectors go
with them. Vectors are float32 blobs keyed by the embedding model's identity, so a model change
leaves the old ones unused until ``minutes reindex`` replaces them. Similarity is computed in
NumPy over the stored blobs (see ``daemon.search.semantic`` for why not sqlite-vec).

What a passage is and how results are ranked is ``daemon.search``'s; this store keeps the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from daemon.ledger.db import Database


@dataclass(frozen=True)
class NewPassage:
    kind: str  # "transcript", "decision" or "action item"
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Passage:
    id: int
    recording_id: int
    kind: str
    text: str
    speaker: str | None
    start: float | None
    end: float | None
    report: Path | None
    meeting_date: date | None
    title: str | None = None


@dataclass(frozen=True)
class Matrix:
    """Every stored vector of one model, with the passage and recording each belongs to."""

    passage_ids: npt.NDArray[np.int64]
    recording_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]


class PassageStore:
    """Tables: passages, passages_fts, passage_vectors."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace(self, recording_id: int, passages: Sequence[NewPassage]) -> list[int]:
        """Make ``passages`` a recording's whole set; return their ids in order."""
        with self._db.tx() as db:
            old = "SELECT id FROM passages WHERE recording_id = ?"
            db.execute(f"DELETE FROM passage_vectors WHERE passage_id IN ({old})", (recording_id,))
            db.execute(f"DELETE FROM passages_fts WHERE passage_id IN ({old})", (recording_id,))
            db.execute("DELETE FROM passages WHERE recording_id = ?", (recording_id,))
            ids = []
            for idx, p in enumerate(passages):
                cursor = db.execute(
                    "INSERT INTO passages (recording_id, idx, kind, speaker, start, end, text) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (recording_id, idx, p.kind, p.speaker, p.start, p.end, p.text),
                )
                passage_id = int(cursor.lastrowid or 0)
                db.execute(
                    "INSERT INTO passages_fts (text, passage_id) VALUES (?, ?)",
                    (p.text, passage_id),
                )
                ids.append(passage_id)
        return ids

    def keyword(self, match: str, limit: int) -> list[tuple[int, float]]:
        """(passage id, BM25) for an FTS5 ``match`` expression, best (lowest) first."""
        rows = self._db.query(
            "SELECT passage_id, bm25(passages_fts) AS rank FROM passages_fts "
            "WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    def get(self, ids: Iterable[int]) -> dict[int, Passage]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._db.query(
            "SELECT p.*, r.markdown AS report, c.meeting_date AS day, "
            "json_extract(s.summary, '$.title') AS title FROM passages p "
            "JOIN recordings c ON c.id = p.recording_id "
            "LEFT JOIN reports r ON r.recording_id = p.recording_id "
            "LEFT JOIN summaries s ON s.recording_id = p.recording_id "
            f"WHERE p.id IN ({marks})",
            tuple(wanted),
        )
        return {
            int(r["id"]): Passage(
                id=int(r["id"]), recording_id=int(r["recording_id"]), kind=str(r["kind"]),
                text=str(r["text"]), speaker=r["speaker"],
                start=None if r["start"] is None else float(r["start"]),
                end=None if r["end"] is None else float(r["end"]),
                report=Path(r["report"]) if r["report"] else None,
                meeting_date=date.fromisoformat(str(r["day"])[:10]) if r["day"] else None,
                title=r["title"],
            )
            for r in rows
        }  # fmt: skip

    def of_recording(self, recording_id: int) -> list[int]:
        rows = self._db.query(
            "SELECT id FROM passages WHERE recording_id = ? ORDER BY idx", (recording_id,)
        )
        return [int(r[0]) for r in rows]

    def save_vectors(
        self, model: str, passage_ids: Sequence[int], vectors: npt.NDArray[np.float32]
    ) -> None:
        with self._db.tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO passage_vectors (passage_id, model, vector) "
                "VALUES (?, ?, ?)",
                [
                    (pid, model, np.asarray(v, dtype="<f4").tobytes())
                    for pid, v in zip(passage_ids, vectors, strict=True)
                ],
            )

    def missing(self, model: str, limit: int) -> list[tuple[int, str]]:
        """(id, text) of passages with no vector of ``model`` yet, oldest first."""
        rows = self._db.query(
            "SELECT p.id, p.text FROM passages p WHERE NOT EXISTS (SELECT 1 FROM "
            "passage_vectors v WHERE v.passage_id = p.id AND v.model = ?) ORDER BY p.id LIMIT ?",
            (model, limit),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def counts(self, model: str) -> tuple[int, int]:
        """(passages, passages with a vector of ``model``)."""
        (row,) = self._db.query(
            "SELECT COUNT(*), (SELECT COUNT(*) FROM passage_vectors v JOIN passages p "
            "ON p.id = v.passage_id WHERE v.model = ?) FROM passages",
            (model,),
        )
        return int(row[0]), int(row[1])

    def drop_other_models(self, model: str) -> int:
        """Delete vectors of every model but ``model``; how many went."""
        with self._db.tx() as db:
            cursor = db.execute("DELETE FROM passage_vectors WHERE model != ?", (model,))
            return int(cursor.rowcount)

    def matrix(self, model: str) -> Matrix:
        rows = self._db.query(
            "SELECT v.passage_id, p.recording_id, v.vector FROM passage_vectors v "
            "JOIN passages p ON p.id = v.passage_id WHERE v.model = ? ORDER BY v.passage_id",
            (model,),
        )
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return Matrix(empty, empty, np.zeros((0, 0), dtype=np.float32))
        vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), -1)
        return Matrix(
            np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
            vectors.astype(np.float32),
        )

    def recordings_between(self, since: date | None, until: date | None) -> set[int]:
        """Recordings whose meeting date is within [since, until] (either bound optional)."""
        rows = self._db.query(
            "SELECT id FROM recordings WHERE (? IS NULL OR substr(meeting_date, 1, 10) >= ?) "
            "AND (? IS NULL OR substr(meeting_date, 1, 10) <= ?)",
            tuple(x for d in (since, until) for x in (d and d.isoformat(),) * 2),
        )
        return {int(r[0]) for r in rows}

    def reported_without_passages(self) -> list[int]:
        """Recordings with a report and no passages (reported before issue 13, or lost)."""
        rows = self._db.query(
            "SELECT r.recording_id FROM reports r WHERE NOT EXISTS "
            "(SELECT 1 FROM passages p WHERE p.recording_id = r.recording_id) ORDER BY 1"
        )
        return [int(r[0]) for r in rows]
