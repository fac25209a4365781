"""One recording, start to finish.

Identify, probe, transcribe chunk by chunk, merge, render, file away.

Every stage leaves its result in the ledger before the next starts, so a recording whose process
died resumes where it stopped: finished chunks are read back, never transcribed again. A
recording that cannot be processed ends in the failed folder with a ``.error.txt`` beside it; the
pipeline returns and the daemon goes on with the next file.

A transcriber with ``concurrency`` above 1 (a remote API) gets up to that many chunks at once;
each is checkpointed the moment it finishes, whatever the order. A remote API that must not be
called now (``ApiDeferred``: paused, rate limited, waiting for a batch) leaves the recording
queued with the reason; when it is taken up again, a transcript already made under the same plan
is reused, so only the missing work is paid for.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from daemon import actions
from daemon.audio import AudioInfo, decode_blocks, probe, recorded_at, split_at_pauses
from daemon.config import ChunkingSettings, Settings
from daemon.errors import ApiDeferred, Interrupted, MinutesError, ModelError
from daemon.files import atomic_write_text, move_unique, sha256_file
from daemon.hooks import Hooks
from daemon.ledger import Ledger, RecordingRow
from daemon.merge import merge
from daemon.models import Chunk, ChunkTranscript, Recording, Report, Transcript
from daemon.render import Renderer, ReportInput
from daemon.search import index_recording
from daemon.summarize import create_summarizer, summarize
from daemon.summarize.schema import Summary
from daemon.summarize.text import from_transcript
from daemon.transcribe import Transcriber

if TYPE_CHECKING:
    from daemon.api.client import ApiClient

log = logging.getLogger("daemon.pipeline")

ProgressFn = Callable[[float, float], None]
"""Called with (seconds of audio done, total seconds) after each chunk."""

_PROMPT_TAIL_WORDS = 40


@dataclass(frozen=True)
class Outcome:
    recording_id: int | None
    state: Literal["done", "failed", "duplicate", "skipped"]
    report: Path | None = None
    reason: str | None = None


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        transcriber: Transcriber,
        *,
        stop: threading.Event | None = None,
        api: ApiClient | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.transcriber = transcriber
        self.renderer = Renderer(settings.templates)
        self.hooks = Hooks(settings.hooks)
        self.stop = stop or threading.Event()
        if api is None and settings.summarizer.name == "openai":
            from daemon.api.client import ApiClient

            api = ApiClient(settings.openai, ledger, stop=self.stop)
        self.api = api
        self.summarizer = create_summarizer(settings.summarizer, api)

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
        if not path.exists():
            return Outcome(None, "skipped", reason="the file is gone")
        if path.is_dir():
            row = self.ledger.add_recording(sha256=None, path=path, size=None, mtime_ns=None)
            return self._fail(row, "is a folder, not an audio file", "identify", from_inbox)
        stat = path.stat()
        known = self.ledger.source_of(path, stat.st_size, stat.st_mtime_ns)
        if known is not None and self.ledger.get(known).state == "done":
            row = self.ledger.get(known)
            return Outcome(row.id, "skipped", row.report, "already processed")
        sha256 = sha256_file(path)
        row_or_none = self.ledger.find_sha(sha256)
        if row_or_none is None:
            row = self.ledger.add_recording(
                sha256=sha256, path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns
            )
        elif row_or_none.state == "done":
            return self._duplicate(row_or_none, path, stat.st_size, stat.st_mtime_ns, from_inbox)
        else:
            row = row_or_none
            if row.path != path:
                # Renamed, moved back from failed/, or dropped again: carry on under the new path.
                self.ledger.add_source(row.id, path, stat.st_size, stat.st_mtime_ns, "renamed")
                self.ledger.update(row.id, path=path)
                row = self.ledger.get(row.id)
        if meeting_date is not None:
            self.ledger.update(row.id, meeting_date=meeting_date)
            row = self.ledger.get(row.id)
        return self._process(row, from_inbox, progress)

    def _duplicate(
        self, original: RecordingRow, path: Path, size: int, mtime_ns: int, from_inbox: bool
    ) -> Outcome:
        self.ledger.add_source(original.id, path, size, mtime_ns, "duplicate")
        log.info(
            "%s has the same content as recording #%d (%s); no new report",
            path.name, original.id, original.report.name if original.report else "no report",
        )  # fmt: skip
        if from_inbox:
            self._dispose(path)
        return Outcome(original.id, "duplicate", original.report, f"same content as #{original.id}")

    # Processing -------------------------------------------------------------------------------

    def _process(self, row: RecordingRow, from_inbox: bool, progress: ProgressFn | None) -> Outcome:
        from daemon.api.client import for_recording

        with for_recording(row.id):
            return self._process_recording(row, from_inbox, progress)

    def _process_recording(
        self, row: RecordingRow, from_inbox: bool, progress: ProgressFn | None
    ) -> Outcome:
        started = time.monotonic()
        stage = "probe"
        reusable = row.stage in ("summarize", "render") and row.plan_key == self.plan_key()
        self.ledger.set_state(row.id, "processing", stage=stage)
        log.info("recording #%d %s: processing", row.id, row.path.name)
        try:
            info = probe(row.path, int(self.settings.max_file_mb * 2**20))
            recording = Recording(
                id=row.id,
                sha256=row.sha256 or "",
                path=row.path,
                recorded_at=recorded_at(info),
                duration=info.duration,
            )
            self.ledger.update(row.id, recorded_at=recording.recorded_at, duration=info.duration)
            stage = "transcribe"
            self.ledger.update(row.id, stage=stage)
            transcript = self.ledger.transcript(row.id) if reusable else None
            if transcript is None:
                chunks = self._transcribe(row.id, info, progress)
                duration = max(info.duration, chunks[-1].end if chunks else 0.0)
                transcript = merge(chunks, duration, self.transcriber.provenance())
                self.ledger.save_transcript(row.id, transcript)
            elif progress is not None:
                progress(transcript.duration, transcript.duration)
            stage = "summarize"
            self.ledger.update(row.id, stage=stage)
            summary = self._summarize(row, recording, transcript)
            stage = "render"
            self.ledger.update(row.id, stage=stage)
            elapsed = time.monotonic() - started
            report = self._render(row, recording, transcript, summary, elapsed)
        except (Interrupted, ModelError):
            raise  # not this recording's fault: it stays queued and resumes later
        except ApiDeferred as exc:
            self.ledger.set_state(row.id, "queued", stage=stage, error=f"waiting: {exc.reason}")
            log.info("recording #%d waits at %s: %s", row.id, stage, exc.reason)
            raise
        except MinutesError as exc:
            return self._fail(row, getattr(exc, "reason", exc.message), stage, from_inbox)
        except Exception as exc:
            log.exception("recording #%d: unexpected error at %s", row.id, stage)
            return self._fail(row, f"unexpected error: {exc!r}", stage, from_inbox)
        # Only now, with the report on disk, is the source moved.
        if from_inbox:
            self._dispose(row.path)
        self.ledger.set_state(row.id, "done")
        log.info("recording #%d: report %s (%.1f s)", row.id, report.markdown.name, elapsed)
        return Outcome(row.id, "done", report.markdown)

    def _transcribe(
        self, recording_id: int, info: AudioInfo, progress: ProgressFn | None
    ) -> list[ChunkTranscript]:
        plan_key = self.plan_key()
        self.ledger.begin_plan(recording_id, plan_key)
        done = self.ledger.chunks(recording_id, plan_key)
        configured = self.settings.transcriber.language
        language = None if configured == "auto" else configured
        if language is None and done:
            language = done[min(done)].language
        chunks = split_at_pauses(decode_blocks(info), self.chunking())
        concurrency = int(getattr(self.transcriber, "concurrency", 1))
        if concurrency > 1:
            return self._transcribe_concurrently(
                recording_id, plan_key, chunks, done, language, concurrency, info, progress
            )
        results: list[ChunkTranscript] = []
        previous = ""
        for chunk in chunks:
            result = done.get(chunk.index)
            if result is None:
                if self.stop.is_set():
                    raise Interrupted(f"stopped before chunk {chunk.index}; it resumes on restart")
                prompt = _prompt(self.settings.transcriber.initial_prompt, previous)
                result = self.transcriber.transcribe(chunk, language=language, prompt=prompt)
                self.ledger.save_chunk(recording_id, plan_key, result)
                log.debug(
                    "recording #%d: chunk %d done in %.1f s",
                    recording_id,
                    chunk.index,
                    result.elapsed,
                )
            language = language or result.language
            previous = " ".join(s.text for s in result.segments) or previous
            results.append(result)
            if progress is not None:
                progress(chunk.end, max(info.duration, chunk.end))
        return results

    def _transcribe_concurrently(
        self,
        recording_id: int,
        plan_key: str,
        chunks: Iterator[Chunk],
        done: dict[int, ChunkTranscript],
        language: str | None,
        concurrency: int,
        info: AudioInfo,
        progress: ProgressFn | None,
    ) -> list[ChunkTranscript]:
        """Up to ``concurrency`` chunks in flight; each is checkpointed as soon as it finishes.

        A chunk's prompt carries the previous chunk's last words only when that chunk is already
        finished (always so when resuming): waiting for it would serialise the calls again.
        After a failure or a stop no new chunk is sent, but those in flight are awaited and
        checkpointed, because they are paid for.
        """
        results = dict(done)
        in_flight: dict[Future[ChunkTranscript], Chunk] = {}
        failure: BaseException | None = None
        finished_seconds = sum(r.end - r.start for r in done.values())

        def collect(block: bool) -> None:
            nonlocal failure, finished_seconds
            if not in_flight:
                return
            ready, _ = wait(in_flight, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for future in ready:
                chunk = in_flight.pop(future)
                try:
                    result = future.result()
                except BaseException as exc:
                    failure = failure or exc
                    continue
                self.ledger.save_chunk(recording_id, plan_key, result)
                results[chunk.index] = result
                finished_seconds += chunk.duration
                log.debug("recording #%d: chunk %d done", recording_id, chunk.index)
                if progress is not None:
                    progress(min(finished_seconds, info.duration), info.duration)

        hint = self.settings.transcriber.initial_prompt
        with ThreadPoolExecutor(concurrency, thread_name_prefix="transcribe") as pool:
            for chunk in chunks:
                if chunk.index in results:
                    continue
                while len(in_flight) >= concurrency:
                    collect(block=True)
                collect(block=False)
                if failure is not None or self.stop.is_set():
                    break
                before = results.get(chunk.index - 1)
                previous = " ".join(s.text for s in before.segments) if before else ""
                # Each task gets its own copy of the context: it carries the recording id.
                future = pool.submit(
                    contextvars.copy_context().run,
                    self.transcriber.transcribe,
                    chunk,
                    language=language,
                    prompt=_prompt(hint, previous),
                )
                in_flight[future] = chunk
            while in_flight:
                collect(block=True)
        if failure is not None:
            raise failure
        if self.stop.is_set():
            raise Interrupted("stopped; unfinished chunks resume on restart")
        return [results[index] for index in sorted(results)]

    def _summarize(
        self, row: RecordingRow, recording: Recording, transcript: Transcript
    ) -> Summary | None:
        utterances = from_transcript(transcript)
        if self.summarizer is None:
            index_recording(self.ledger, row.id, transcript, None)
            return None
        meeting_date = row.meeting_date or recording.recorded_at.date()
        summary = summarize(self.summarizer, utterances, meeting_date)
        self.ledger.save_summary(row.id, self.summarizer.name, meeting_date, summary)
        actions.record(self.ledger, row.id, meeting_date, summary, utterances)
        index_recording(self.ledger, row.id, transcript, summary)
        provenance = getattr(self.summarizer, "provenance", None)
        if provenance is not None:
            p = provenance()
            self.ledger.save_summary_provenance(
                row.id, p["backend"], p["model"], p["prompt_version"], p["options"]
            )
        return summary

    def _render(
        self,
        row: RecordingRow,
        recording: Recording,
        transcript: Transcript,
        summary: Summary | None,
        elapsed: float,
    ) -> Report:
        report = self.renderer.write(
            self.settings.outbox,
            ReportInput(
                recording=recording,
                source_name=row.source_name,
                transcript=transcript,
                processing_s=elapsed,
                summarizer=self._summarizer_label(row.id) if summary else "none",
                summary=summary,
                cost_usd=self.ledger.recording_cost(row.id),
            ),
        )
        self.ledger.save_report(row.id, report, elapsed)
        details: dict[str, object] = {"recording_id": row.id, "source": row.source_name}
        if summary is not None:
            details |= {
                "title": summary.title,
                "action_items": len(summary.action_items),
                "decisions": len(summary.decisions),
            }
        self.hooks.delivered("report", report.markdown, details)
        return report

    def _summarizer_label(self, recording_id: int) -> str:
        if self.summarizer is None:
            return "none"
        stored = self.ledger.summary_provenance(recording_id)
        if stored is None or stored["backend"] != self.summarizer.name:
            return self.summarizer.name
        return f"{stored['backend']} {stored['model']} (prompt {stored['prompt_version']})"

    def resummarize(self, recording_id: int, meeting_date: date | None = None) -> Report:
        """Summarize a processed recording again (another summarizer, another date); re-render."""
        if meeting_date is not None:
            self.ledger.update(recording_id, meeting_date=meeting_date)
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
        summary = self._summarize(row, recording, transcript)
        return self._render(row, recording, transcript, summary, row.processing_s or 0.0)

    def plan_key(self) -> str:
        """Checkpoints are valid only for the chunking and transcriber that made them."""
        provenance = self.transcriber.provenance()
        plan = {
            "chunking": self.chunking().model_dump(),
            "backend": provenance.backend,
            "model": provenance.model,
            "options": provenance.options,
        }
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]

    def chunking(self) -> ChunkingSettings:
        """The chunking settings, with chunks capped at the transcriber's limit if it has one."""
        configured = self.settings.chunking
        limit = getattr(self.transcriber, "max_chunk_seconds", None)
        if limit is None or configured.max_seconds <= limit:
            return configured
        search = min(configured.search_seconds, limit / 2)
        return configured.model_copy(update={"max_seconds": float(limit), "search_seconds": search})

    # Filing -----------------------------------------------------------------------------------

    def _fail(self, row: RecordingRow, reason: str, stage: str, from_inbox: bool) -> Outcome:
        self.ledger.set_state(row.id, "failed", stage=stage, error=reason)
        log.warning("recording #%d %s failed at %s: %s", row.id, row.path.name, stage, reason)
        if from_inbox and (row.path.exists() or row.path.is_symlink()):
            target = move_unique(row.path, self.settings.failed)
            self.ledger.update(row.id, path=target)
            atomic_write_text(
                target.with_name(target.name + ".error.txt"), _error_text(row, reason, stage)
            )
        return Outcome(row.id, "failed", reason=reason)

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
        move_unique(path, self.settings.archive / relative)

    def finish_interrupted_filing(self) -> None:
        """Recordings whose report was written but whose source was not yet filed when we died."""
        for row in self.ledger.recordings(("processing",)):
            if row.report is not None and row.report.exists():
                if row.path.exists() and self._in_inbox(row.path):
                    self._dispose(row.path)
                self.ledger.set_state(row.id, "done")

    def _in_inbox(self, path: Path) -> bool:
        return path.is_relative_to(self.settings.inbox)


def _prompt(hint: str, previous: str) -> str:
    tail = " ".join(previous.split()[-_PROMPT_TAIL_WORDS:])
    return " ".join(part for part in (hint.strip(), tail) if part)


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
