"""One recording, start to finish: identify it, take its lease, run the stages, file it away.

The stages and their contract are in ``daemon.stages``: each has one checkpoint in the ledger,
and a restart continues at the first unfinished one. This module owns what comes before and
after them:

- **Identity.** A recording is the SHA-256 of its bytes. Only regular files are read (a FIFO
  would block the reader forever); the same bytes under another name are a duplicate.
- **The lease.** One process owns a recording at a time. Two ``minutes process`` on the same
  file, or a ``process`` beside the daemon, would otherwise both transcribe it and fight over
  the checkpoints. The loser is told who holds it; a holder that died (same host, pid gone) or
  whose lease expired loses it.
- **Failure.** A recording that cannot be processed ends in the failed folder with a
  ``.error.txt`` beside it; the pipeline returns and the daemon goes on. Nothing that goes wrong
  with one recording, not even filing it away, may end the daemon.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from daemon import failpoints
from daemon.config import Settings
from daemon.diarize import Diarizer, create_diarizer, roster
from daemon.diarize.stage import DiarizeStage
from daemon.diarize.voices import EmbeddingTranscriber
from daemon.errors import (
    ApiDeferred,
    InputError,
    Interrupted,
    LedgerError,
    MinutesError,
    ModelError,
)
from daemon.executor import create_executor
from daemon.files import (
    atomic_write_text,
    check_regular,
    move_unique,
    sha256_file,
    sidecar_path,
)
from daemon.hooks import Hooks
from daemon.ledger import Ledger, RecordingRow
from daemon.models import Recording, Report
from daemon.sections import ChunkingSettings
from daemon.stages import (
    Job,
    ProbeStage,
    ProgressFn,
    RenderStage,
    Stage,
    SummarizeStage,
    TranscribeStage,
)
from daemon.summarize import Summarizer
from daemon.transcribe import Transcriber

if TYPE_CHECKING:
    from daemon.api.client import ApiClient

log = logging.getLogger("daemon.pipeline")

# Renewed at every stage and every chunk; it only matters for a holder on another machine,
# since a dead holder on this one is noticed by its pid at once.
LEASE_SECONDS = 1800.0


@dataclass(frozen=True)
class Outcome:
    recording_id: int | None
    state: Literal["done", "failed", "duplicate", "skipped", "busy"]
    report: Path | None = None
    reason: str | None = None
    exit_code: int = 0
    """For a failure: the exit code of the error that caused it (``minutes process`` exits so)."""


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        transcriber: Transcriber,
        summarizer: Summarizer | None,
        *,
        diarizer: Diarizer | None = None,
        stop: threading.Event | None = None,
        api: ApiClient | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.diarizer = diarizer or create_diarizer(
            settings.diarizer.name, settings.diarizer.threads
        )
        self.stop = stop or threading.Event()
        # With a diarizer, every chunk carries its voice embeddings and word times; with the
        # Celery executor, workers make both and the daemon only sends and collects.
        embed = self.diarizer.name != "none"
        self.executor = create_executor(settings, self.stop)
        self.transcriber: Transcriber = self.executor.wrap(
            EmbeddingTranscriber(transcriber, self.diarizer) if embed else transcriber,
            embed=embed,
        )
        self.summarizer = summarizer
        self.api = api
        self.hooks = Hooks(settings.hooks)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def stages(self, recording_id: int, progress: ProgressFn | None = None) -> list[Stage]:
        transcribe = TranscribeStage(
            self.settings,
            self.ledger,
            self.transcriber,
            self.stop,
            self._renewing(recording_id, progress),
            self.executor,
        )
        plan_key = transcribe.plan_key()
        return [
            ProbeStage(self.settings, self.ledger),
            transcribe,
            DiarizeStage(self.settings, self.ledger, self.diarizer, plan_key),
            SummarizeStage(self.ledger, self.summarizer, plan_key, self.settings.diarizer),
            RenderStage(self.settings, self.ledger, self.summarizer, self.hooks),
        ]

    # Identification ---------------------------------------------------------------------------

    def submit(
        self,
        path: Path,
        *,
        from_inbox: bool,
        progress: ProgressFn | None = None,
        meeting_date: date | None = None,
    ) -> Outcome:
        """Process ``path`` unless its content was processed before.

        ``from_inbox`` files are moved afterwards (archive or failed folder); files named on the
        command line are left where they are. ``meeting_date`` overrides the recording's date for
        resolving "tomorrow" and "by Friday".
        """
        path = path.absolute()
        try:
            # Decided with stat alone: opening a FIFO would block this thread for good.
            readable = check_regular(path, self.settings.inbox if from_inbox else None)
        except FileNotFoundError:
            return Outcome(None, "skipped", reason="the file is gone")
        except InputError as exc:
            return self._reject(path, exc.reason, from_inbox)
        info = os.stat(readable)
        known = self.ledger.source_of(path, info.st_size, info.st_mtime_ns)
        if known is not None and self.ledger.get(known).state == "done":
            row = self.ledger.get(known)
            return Outcome(row.id, "skipped", row.report, "already processed")
        sha256 = sha256_file(readable)
        row = self._identify(path, sha256, info.st_size, info.st_mtime_ns)
        if row.state == "done":
            return self._duplicate(row, path, info.st_size, info.st_mtime_ns, from_inbox)
        lease = self.ledger.claim(row.id, self.owner, LEASE_SECONDS)
        if lease is None:
            holder = self.ledger.holder(row.id)
            where = f"pid {holder.pid} on {holder.host}" if holder else "another process"
            log.info("recording #%d %s is being processed by %s", row.id, path.name, where)
            return Outcome(row.id, "busy", reason=f"being processed by {where}")
        try:
            row = self.ledger.get(row.id)  # it may have moved on while we hashed
            if row.state == "done":
                return self._duplicate(row, path, info.st_size, info.st_mtime_ns, from_inbox)
            if row.path != path:
                # Renamed, moved back from failed/, or dropped again: carry on under the new path.
                self.ledger.add_source(row.id, path, info.st_size, info.st_mtime_ns, "renamed")
                self.ledger.update(row.id, path=path)
            if meeting_date is not None:
                self.ledger.update(row.id, meeting_date=meeting_date)
            return self._process(self.ledger.get(row.id), from_inbox, progress)
        finally:
            self.ledger.release(row.id, self.owner)

    def _identify(self, path: Path, sha256: str, size: int, mtime_ns: int) -> RecordingRow:
        row = self.ledger.find_sha(sha256)
        if row is not None:
            return row
        try:
            return self.ledger.add_recording(sha256=sha256, path=path, size=size, mtime_ns=mtime_ns)
        except LedgerError:
            # Another process added the same bytes a moment ago (the sha256 is unique).
            row = self.ledger.find_sha(sha256)
            if row is None:
                raise
            return row

    def _duplicate(
        self, original: RecordingRow, path: Path, size: int, mtime_ns: int, from_inbox: bool
    ) -> Outcome:
        if path != original.path:
            self.ledger.add_source(original.id, path, size, mtime_ns, "duplicate")
        log.info(
            "%s has the same content as recording #%d (%s); no new report",
            path.name, original.id, original.report.name if original.report else "no report",
        )  # fmt: skip
        if from_inbox and path != original.path:
            self._dispose(path)
        return Outcome(original.id, "duplicate", original.report, f"same content as #{original.id}")

    # Processing -------------------------------------------------------------------------------

    def _process(self, row: RecordingRow, from_inbox: bool, progress: ProgressFn | None) -> Outcome:
        from daemon.api.client import for_recording

        with for_recording(row.id):
            return self._run_stages(row, from_inbox, progress)

    def _run_stages(
        self, row: RecordingRow, from_inbox: bool, progress: ProgressFn | None
    ) -> Outcome:
        job = Job(row=row, from_inbox=from_inbox, started=time.monotonic())
        self.ledger.set_state(row.id, "processing", stage=row.stage or "probe")
        log.info("recording #%d %s: processing", row.id, row.path.name)
        stage_name = row.stage or "probe"
        fresh = False  # once a stage has run, every later one runs: its input is new
        try:
            for stage in self.stages(row.id, progress):
                if not stage.applies(job):
                    continue
                stage_name = stage.name
                resumed = None if fresh else stage.resume(job)
                if resumed is not None:
                    job = resumed
                    log.debug("recording #%d: %s resumed from the ledger", row.id, stage.name)
                    continue
                self.ledger.update(row.id, stage=stage.name)
                job = stage.run(job)
                fresh = True
                self._renew(row.id)
                failpoints.reached(f"after:{stage.name}")
        except (Interrupted, ModelError):
            raise  # not this recording's fault: it stays queued and resumes later
        except ApiDeferred as exc:
            self.ledger.set_state(
                row.id, "queued", stage=stage_name, error=f"waiting: {exc.reason}"
            )
            log.info("recording #%d waits at %s: %s", row.id, stage_name, exc.reason)
            raise
        except MinutesError as exc:
            return self._fail(row, exc.reason, stage_name, from_inbox, exc.exit_code)
        except Exception as exc:
            log.exception("recording #%d: unexpected error at %s", row.id, stage_name)
            return self._fail(row, f"unexpected error: {exc!r}", stage_name, from_inbox)
        assert job.report is not None
        # Only now, with the report on disk, is the source moved.
        if from_inbox:
            self._dispose(row.path)
        self.ledger.set_state(row.id, "done")
        failpoints.reached("after:file")
        elapsed = time.monotonic() - job.started
        log.info("recording #%d: report %s (%.1f s)", row.id, job.report.markdown.name, elapsed)
        return Outcome(row.id, "done", job.report.markdown)

    def _renewing(self, recording_id: int, progress: ProgressFn | None) -> ProgressFn:
        """Chunks can take minutes each: renew the lease as each one finishes."""

        def update(done: float, total: float) -> None:
            self._renew(recording_id)
            if progress is not None:
                progress(done, total)

        return update

    def _renew(self, recording_id: int) -> None:
        if not self.ledger.renew(recording_id, self.owner, LEASE_SECONDS):
            log.warning("recording #%d: lease lost to another process", recording_id)

    def resummarize(self, recording_id: int, meeting_date: date | None = None) -> Report:
        """Summarize a processed recording again (another summarizer, another date); re-render."""
        if meeting_date is not None:
            self.ledger.update(recording_id, meeting_date=meeting_date)
        stored = self._stored(recording_id)
        summarize = SummarizeStage(
            self.ledger, self.summarizer, stored.row.plan_key or "", self.settings.diarizer
        )
        job = summarize.run(stored)
        render = RenderStage(self.settings, self.ledger, self.summarizer, self.hooks)
        return render.render(job, job.row.processing_s or 0.0)

    def rename_speaker(self, recording_id: int, label: str, name: str) -> Report:
        """Call one speaker of a processed recording by ``name``; summarize and render again."""
        job = self._stored(recording_id)
        stage = DiarizeStage(self.settings, self.ledger, self.diarizer, job.row.plan_key or "")
        stage.rename(job, label, name)
        return self.resummarize(recording_id)

    def _stored(self, recording_id: int) -> Job:
        """A processed recording as the ledger holds it, ready for the stages after diarize."""
        row = self.ledger.get(recording_id)
        transcript = self.ledger.transcript(recording_id)
        if transcript is None or row.recorded_at is None:
            raise MinutesError(f"recording #{recording_id} has no transcript yet")
        recording = Recording(
            id=row.id,
            sha256=row.sha256 or "",
            path=row.path,
            recorded_at=row.recorded_at,
            duration=row.duration or transcript.duration,
        )
        return Job(
            row=row,
            from_inbox=False,
            started=time.monotonic(),
            recording=recording,
            transcript=transcript,
        )

    def plan_key(self) -> str:
        """The key under which this pipeline's transcriber checkpoints its chunks."""
        return self._transcribe_stage().plan_key()

    def chunking(self) -> ChunkingSettings:
        """The chunking in force: the settings', capped at the transcriber's limit."""
        return self._transcribe_stage().chunking()

    def _transcribe_stage(self) -> TranscribeStage:
        return TranscribeStage(
            self.settings, self.ledger, self.transcriber, self.stop, executor=self.executor
        )

    # Filing -----------------------------------------------------------------------------------

    def finish_interrupted_filing(self) -> None:
        """Recordings whose source was filed away, but not marked done, when the process died.

        Those whose source is still in place resume through the stages like any other.
        """
        for row in self.ledger.recordings(("processing",)):
            if row.report is not None and row.report.exists() and not row.path.exists():
                self.ledger.set_state(row.id, "done")

    def _reject(self, path: Path, reason: str, from_inbox: bool) -> Outcome:
        """A path that is not a recording at all: record it, move it aside, never open it."""
        row = self.ledger.add_recording(sha256=None, path=path, size=None, mtime_ns=None)
        return self._fail(row, reason, "identify", from_inbox)

    def _fail(
        self,
        row: RecordingRow,
        reason: str,
        stage: str,
        from_inbox: bool,
        exit_code: int = InputError.exit_code,
    ) -> Outcome:
        self.ledger.set_state(row.id, "failed", stage=stage, error=reason)
        log.warning("recording #%d %s failed at %s: %s", row.id, row.path.name, stage, reason)
        if from_inbox and (row.path.exists() or row.path.is_symlink()):
            try:
                target = move_unique(row.path, self.settings.failed)
                roster.follow(row.path, target)
                self.ledger.update(row.id, path=target)
                atomic_write_text(
                    sidecar_path(target, ".error.txt"), _error_text(row, reason, stage)
                )
            except OSError as exc:
                # Filing it away failed too; the recording is marked failed in the ledger and
                # the daemon goes on. It is not retried in a loop: its state says failed.
                log.error("recording #%d: could not move it to the failed folder: %s", row.id, exc)
        return Outcome(row.id, "failed", reason=reason, exit_code=exit_code)

    def _dispose(self, path: Path) -> None:
        policy = self.settings.after_success
        if policy == "keep" or not path.exists():
            return
        if policy == "delete":
            path.unlink()
            return
        try:
            relative = path.parent.relative_to(self.settings.inbox)
        except ValueError:
            relative = Path()
        roster.follow(path, move_unique(path, self.settings.archive / relative))


def _error_text(row: RecordingRow, reason: str, stage: str) -> str:
    return (
        f"Minutes could not process {row.source_name}.\n\n"
        f"Reason: {reason}\n"
        f"Stage: {stage}\n"
        f"Recording: #{row.id}" + (f" (sha256 {row.sha256})" if row.sha256 else "") + "\n"
        f"When: {datetime.now(timezone.utc).astimezone():%Y-%m-%d %H:%M:%S %z}\n\n"
        "To try again, fix the cause and run `minutes retry`,\n"
        "or move the file back into the inbox.\n"
    )
