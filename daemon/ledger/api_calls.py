"""Remote API calls with their costs, and the global pause that stops them (issue 4).

Every call goes through one wrapper that records it here, so costs can be totalled by day, model
or recording, and a budget can be checked against what was spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from daemon.ledger.db import Database, now
from daemon.ledger.recordings import write_event


@dataclass(frozen=True)
class ApiCall:
    """One call to a remote API, as the call wrapper saw it."""

    backend: str
    endpoint: str
    model: str
    status: str  # ok, length, refused, or the error class that ended the attempt
    latency_s: float
    recording_id: int | None = None
    request_id: str | None = None
    http_status: int | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    audio_seconds: float = 0.0
    cost_usd: float = 0.0
    batch: bool = False


@dataclass(frozen=True)
class ApiPauseRow:
    kind: str
    reason: str
    since: datetime
    until: float | None


class ApiStore:
    """Tables: api_calls, api_pause."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_call(self, call: ApiCall) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT INTO api_calls (at, recording_id, backend, endpoint, model, request_id, "
                "status, http_status, error, latency_s, tokens_in, tokens_out, audio_seconds, "
                "cost_usd, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now(), call.recording_id, call.backend, call.endpoint, call.model,
                    call.request_id, call.status, call.http_status, call.error, call.latency_s,
                    call.tokens_in, call.tokens_out, call.audio_seconds, call.cost_usd,
                    int(call.batch),
                ),
            )  # fmt: skip

    def calls(self, recording_id: int | None = None) -> list[ApiCall]:
        rows = self._db.query(
            "SELECT * FROM api_calls WHERE ? IS NULL OR recording_id = ? ORDER BY id",
            (recording_id, recording_id),
        )
        return [
            ApiCall(
                backend=r["backend"], endpoint=r["endpoint"], model=r["model"],
                status=r["status"], latency_s=r["latency_s"], recording_id=r["recording_id"],
                request_id=r["request_id"], http_status=r["http_status"], error=r["error"],
                tokens_in=r["tokens_in"], tokens_out=r["tokens_out"],
                audio_seconds=r["audio_seconds"], cost_usd=r["cost_usd"], batch=bool(r["batch"]),
            )
            for r in rows
        ]  # fmt: skip

    def spent_since(self, since: datetime, until: datetime | None = None) -> float:
        """API spending from ``since`` (inclusive) up to ``until`` (inclusive), if given."""
        bounds = [since] + ([until] if until is not None else [])
        utc = [b.astimezone(timezone.utc).isoformat(timespec="milliseconds") for b in bounds]
        rows = self._db.query(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM api_calls WHERE at >= ?"
            + (" AND at <= ?" if until is not None else ""),
            tuple(utc),
        )
        return float(rows[0][0])

    def recording_cost(self, recording_id: int) -> float | None:
        """What the API calls for a recording cost; None when it made none."""
        rows = self._db.query(
            "SELECT COUNT(*), COALESCE(SUM(cost_usd), 0) FROM api_calls WHERE recording_id = ?",
            (recording_id,),
        )
        return float(rows[0][1]) if rows[0][0] else None

    def cost_totals(self, group: str, since: datetime | None = None) -> list[dict[str, Any]]:
        """Totals grouped by ``day``, ``model`` or ``recording``, newest or dearest first."""
        key = {
            "day": "substr(c.at, 1, 10)",
            "model": "c.model",
            "recording": "COALESCE('#' || c.recording_id || ' ' || r.source_name, '(none)')",
        }[group]
        order = "key DESC" if group == "day" else "cost DESC"
        rows = self._db.query(
            f"SELECT {key} AS key, COUNT(*) AS calls, SUM(c.cost_usd) AS cost, "
            "SUM(c.tokens_in) AS tokens_in, SUM(c.tokens_out) AS tokens_out, "
            "SUM(c.audio_seconds) AS audio_seconds FROM api_calls c "
            "LEFT JOIN recordings r ON r.id = c.recording_id "
            f"WHERE ? IS NULL OR c.at >= ? GROUP BY key ORDER BY {order}",
            (since and since.isoformat(), since and since.isoformat()),
        )
        return [dict(r) for r in rows]

    def set_pause(self, kind: str, reason: str, until: float | None) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO api_pause VALUES (1, ?, ?, ?, ?)",
                (kind, reason, now(), until),
            )
            write_event(db, None, "api_paused", f"{kind}: {reason}")

    def clear_pause(self, kinds: tuple[str, ...] = ("auth", "quota", "budget")) -> None:
        marks = ",".join("?" * len(kinds))
        with self._db.tx() as db:
            if db.execute(f"DELETE FROM api_pause WHERE kind IN ({marks})", kinds).rowcount:
                write_event(db, None, "api_resumed", None)

    def pause(self) -> ApiPauseRow | None:
        rows = self._db.query("SELECT * FROM api_pause WHERE id = 1")
        if not rows:
            return None
        r = rows[0]
        return ApiPauseRow(r["kind"], r["reason"], datetime.fromisoformat(r["since"]), r["until"])
