"""Batch API requests: the items waiting to be sent, and the batches they were sent in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from daemon.ledger.db import Database, now


@dataclass(frozen=True)
class BatchItem:
    custom_id: str
    recording_id: int
    plan: str
    request: dict[str, Any]
    batch_id: str | None
    state: str  # pending (not yet sent), submitted, done, failed
    result: dict[str, Any] | None
    error: str | None
    attempts: int


class BatchStore:
    """Tables: batch_items, batches."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_items(self, recording_id: int, plan: str, requests: dict[str, Any]) -> None:
        """Queue requests (custom_id -> body) for the next batch; replace other plans' items."""
        with self._db.tx() as db:
            db.execute(
                "DELETE FROM batch_items WHERE recording_id = ? AND plan != ?", (recording_id, plan)
            )
            stamp = now()
            for custom_id, body in requests.items():
                db.execute(
                    "INSERT OR IGNORE INTO batch_items (custom_id, recording_id, plan, request, "
                    "state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                    (custom_id, recording_id, plan, json.dumps(body), stamp, stamp),
                )

    def items(
        self, *, recording_id: int | None = None, state: str | None = None,
        batch_id: str | None = None,
    ) -> list[BatchItem]:  # fmt: skip
        rows = self._db.query(
            "SELECT * FROM batch_items WHERE (? IS NULL OR recording_id = ?) "
            "AND (? IS NULL OR state = ?) AND (? IS NULL OR batch_id = ?) ORDER BY custom_id",
            (recording_id, recording_id, state, state, batch_id, batch_id),
        )
        return [
            BatchItem(
                custom_id=r["custom_id"], recording_id=r["recording_id"], plan=r["plan"],
                request=json.loads(r["request"]), batch_id=r["batch_id"], state=r["state"],
                result=json.loads(r["result"]) if r["result"] else None, error=r["error"],
                attempts=r["attempts"],
            )
            for r in rows
        ]  # fmt: skip

    def update_item(self, custom_id: str, **fields: Any) -> None:
        allowed = {"batch_id", "state", "result", "error", "attempts"}
        self._db.update_row("batch_items", "custom_id", custom_id, allowed, fields)

    def add(self, batch_id: str, input_file_id: str, model: str, custom_ids: list[str]) -> None:
        with self._db.tx() as db:
            stamp = now()
            db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, 'submitted', ?, ?)",
                (batch_id, input_file_id, model, stamp, stamp),
            )
            for custom_id in custom_ids:
                db.execute(
                    "UPDATE batch_items SET batch_id = ?, state = 'submitted', "
                    "attempts = attempts + 1, updated_at = ? WHERE custom_id = ?",
                    (batch_id, stamp, custom_id),
                )

    def open_ids(self) -> list[str]:
        """The batches sent and not yet finished."""
        rows = self._db.query("SELECT batch_id FROM batches WHERE state = 'submitted' ORDER BY 1")
        return [str(r[0]) for r in rows]

    def close(self, batch_id: str, state: str) -> None:
        with self._db.tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, updated_at = ? WHERE batch_id = ?",
                (state, now(), batch_id),
            )
