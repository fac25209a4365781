"""The ledger: every recording, its state and its checkpoints, in one SQLite database.

The database is split into stores, each the only code that writes SQL against its tables
(issue 8):

- ``ledger.recordings`` (``recordings.py``): recordings, sources, chunks, transcripts, reports,
  events, leases;
- ``ledger.summaries`` (``summaries.py``): summaries, summary_provenance, action_items, decisions;
- ``ledger.api`` (``api_calls.py``): api_calls, api_pause;
- ``ledger.batches`` (``batches.py``): batch_items, batches;
- ``ledger.digests`` (``digests.py``): digests;
- ``ledger.search`` (``search.py``): search_index;
- ``ledger.speakers`` (``speakers.py``): speaker_names, voice_profiles.

``db.py`` holds the shared connection (WAL, ``synchronous=FULL``, one lock), the transactions,
the append-only migrations and the ``meta`` table. ``Ledger`` opens it, hands it to the stores,
and keeps its older methods as delegates so that callers can move to the stores one at a time.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from daemon.ledger.api_calls import ApiCall, ApiPauseRow, ApiStore
from daemon.ledger.batches import BatchItem, BatchStore
from daemon.ledger.db import Database
from daemon.ledger.digests import DigestStore, ReportedMeeting
from daemon.ledger.metrics import MetricsStore
from daemon.ledger.passages import PassageStore
from daemon.ledger.recordings import STATES, Lease, RecordingRow, RecordingStore, State
from daemon.ledger.schema import MIGRATIONS
from daemon.ledger.search import Hit, SearchStore
from daemon.ledger.speakers import SpeakerStore, VoiceProfile
from daemon.ledger.summaries import MeetingItem, SummaryStore, TrackedItem
from daemon.models import ChunkTranscript, Report, Transcript
from daemon.summarize.schema import Summary

__all__ = [
    "MIGRATIONS",
    "STATES",
    "ApiCall",
    "ApiPauseRow",
    "BatchItem",
    "Hit",
    "Lease",
    "Ledger",
    "MeetingItem",
    "RecordingRow",
    "ReportedMeeting",
    "State",
    "TrackedItem",
    "VoiceProfile",
]


class Ledger:
    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        self._db = Database(path, busy_timeout_s=busy_timeout_s)
        self.recordings = RecordingStore(self._db)
        self.summaries = SummaryStore(self._db)
        self.api = ApiStore(self._db)
        self.batches = BatchStore(self._db)
        self.digests = DigestStore(self._db)
        self.search = SearchStore(self._db)
        self.speakers = SpeakerStore(self._db)
        self.passages = PassageStore(self._db)
        self.metrics = MetricsStore(self._db)  # read-only aggregates for /metrics and status

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    def meta(self, key: str, default: str) -> str:
        """A value kept once, e.g. when this ledger was first used; set to ``default`` if new."""
        return self._db.meta(key, default)

    # Raw access, for tests that set up or inspect rows no store method covers. Daemon code
    # goes through the stores (tests/test_ledger.py checks that it does).

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.tx()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self._db.query(sql, params)

    # Delegates to ``recordings`` ------------------------------------------------------------

    def add_recording(
        self, *, sha256: str | None, path: Path, size: int | None, mtime_ns: int | None
    ) -> RecordingRow:
        return self.recordings.add(sha256=sha256, path=path, size=size, mtime_ns=mtime_ns)

    def add_source(
        self, recording_id: int, path: Path, size: int | None, mtime_ns: int | None, role: str
    ) -> None:
        self.recordings.add_source(recording_id, path, size, mtime_ns, role)

    def source_of(self, path: Path, size: int, mtime_ns: int) -> int | None:
        return self.recordings.source_of(path, size, mtime_ns)

    def find_sha(self, sha256: str) -> RecordingRow | None:
        return self.recordings.find_sha(sha256)

    def get(self, recording_id: int) -> RecordingRow:
        return self.recordings.get(recording_id)

    # ``ledger.recordings(states, limit)`` still works: the store is callable (in_states).

    def counts(self) -> dict[str, int]:
        return self.recordings.counts()

    def update(self, recording_id: int, **fields: Any) -> None:
        self.recordings.update(recording_id, **fields)

    def set_state(
        self, recording_id: int, state: State, *, stage: str | None = None, error: str | None = None
    ) -> None:
        self.recordings.set_state(recording_id, state, stage=stage, error=error)

    def event(self, recording_id: int | None, kind: str, detail: str | None = None) -> None:
        self.recordings.event(recording_id, kind, detail)

    def events(self, recording_id: int, kind: str | None = None) -> list[tuple[str, str | None]]:
        return self.recordings.events(recording_id, kind)

    def begin_plan(self, recording_id: int, plan_key: str) -> None:
        self.recordings.begin_plan(recording_id, plan_key)

    def save_chunk(self, recording_id: int, plan_key: str, chunk: ChunkTranscript) -> None:
        self.recordings.save_chunk(recording_id, plan_key, chunk)

    def chunks(self, recording_id: int, plan_key: str) -> dict[int, ChunkTranscript]:
        return self.recordings.chunks(recording_id, plan_key)

    def save_transcript(
        self, recording_id: int, transcript: Transcript, diarize_key: str | None = None
    ) -> None:
        self.recordings.save_transcript(recording_id, transcript, diarize_key)

    def transcript(self, recording_id: int) -> Transcript | None:
        return self.recordings.transcript(recording_id)

    def save_report(self, recording_id: int, report: Report, processing_s: float) -> None:
        self.recordings.save_report(recording_id, report, processing_s)

    def claim(self, recording_id: int, owner: str, ttl_s: float) -> Lease | None:
        return self.recordings.claim(recording_id, owner, ttl_s)

    def holder(self, recording_id: int) -> Lease | None:
        return self.recordings.holder(recording_id)

    def renew(self, recording_id: int, owner: str, ttl_s: float) -> bool:
        return self.recordings.renew(recording_id, owner, ttl_s)

    def release(self, recording_id: int, owner: str) -> None:
        self.recordings.release(recording_id, owner)

    # Delegates to ``summaries`` -------------------------------------------------------------

    def save_summary(
        self,
        recording_id: int,
        summarizer: str,
        meeting_date: date,
        summary: Summary,
        input_key: str | None = None,
    ) -> None:
        self.summaries.save(recording_id, summarizer, meeting_date, summary, input_key)

    def summary(self, recording_id: int) -> tuple[str, Summary] | None:
        return self.summaries.get(recording_id)

    def summary_for(self, recording_id: int, input_key: str) -> Summary | None:
        return self.summaries.summary_for(recording_id, input_key)

    def save_summary_provenance(
        self, recording_id: int, backend: str, model: str, prompt_version: str,
        options: dict[str, Any],
    ) -> None:  # fmt: skip
        self.summaries.save_provenance(recording_id, backend, model, prompt_version, options)

    def summary_provenance(self, recording_id: int) -> dict[str, Any] | None:
        return self.summaries.provenance(recording_id)

    # Delegates to ``api`` -------------------------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        self.api.record_call(call)

    def api_calls(self, recording_id: int | None = None) -> list[ApiCall]:
        return self.api.calls(recording_id)

    def spent_since(self, since: datetime, until: datetime | None = None) -> float:
        return self.api.spent_since(since, until)

    def recording_cost(self, recording_id: int) -> float | None:
        return self.api.recording_cost(recording_id)

    def cost_totals(self, group: str, since: datetime | None = None) -> list[dict[str, Any]]:
        return self.api.cost_totals(group, since)

    def set_pause(self, kind: str, reason: str, until: float | None) -> None:
        self.api.set_pause(kind, reason, until)

    def clear_pause(self, kinds: tuple[str, ...] = ("auth", "quota", "budget")) -> None:
        self.api.clear_pause(kinds)

    def pause(self) -> ApiPauseRow | None:
        return self.api.pause()

    # Delegates to ``batches`` ---------------------------------------------------------------

    def add_batch_items(self, recording_id: int, plan: str, requests: dict[str, Any]) -> None:
        self.batches.add_items(recording_id, plan, requests)

    def batch_items(
        self, *, recording_id: int | None = None, state: str | None = None,
        batch_id: str | None = None,
    ) -> list[BatchItem]:  # fmt: skip
        return self.batches.items(recording_id=recording_id, state=state, batch_id=batch_id)

    def update_batch_item(self, custom_id: str, **fields: Any) -> None:
        self.batches.update_item(custom_id, **fields)

    def add_batch(
        self, batch_id: str, input_file_id: str, model: str, custom_ids: list[str]
    ) -> None:
        self.batches.add(batch_id, input_file_id, model, custom_ids)

    def open_batches(self) -> list[str]:
        return self.batches.open_ids()

    def close_batch(self, batch_id: str, state: str) -> None:
        self.batches.close(batch_id, state)
