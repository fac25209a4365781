"""The stages one recording goes through, each with one checkpoint in the ledger.

The contract, written once here and kept by every stage:

- ``applies(job)``: whether the stage has work at all for this configuration (no summarizer,
  no summary stage). A stage that does not apply is passed over and checkpoints nothing.
- ``resume(job)``: if this stage's checkpoint is in the ledger and still valid for the current
  settings, the job with the stage's result loaded from it; otherwise None. It never does the
  stage's work and never calls a backend.
- ``run(job)``: do the work and write the checkpoint *before* returning, so that a process
  killed right after ``run`` returns finds it on restart. A stage raises ``MinutesError`` for
  a problem with this recording (it fails), ``ApiDeferred`` when a remote API must wait (the
  recording stays queued), ``Interrupted`` on a stop request (it resumes on restart).

The pipeline runs them in order. A stage whose checkpoint is valid is resumed, not run; once one
stage has run, every later stage runs too, since its input is new. So a restart continues at the
first unfinished stage and never redoes a finished one: a chunk, a paid-for summary, a report.

Checkpoints: probe, the recording's date and duration; transcribe, each chunk as it finishes
(with its voice embeddings when diarizing) and then the merged transcript, valid for one plan
(chunking, backend, model, options, diarizer); diarize (``daemon.diarize.stage``), the transcript
again with speakers, valid for one diarize key; summarize,
the summary, valid for one input key (summarizer identity, transcript plan, meeting date);
render, the report's paths; file, the recording's final state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from daemon import actions, failpoints
from daemon.audio import AudioInfo, decode_blocks, probe, recorded_at, split_at_pauses
from daemon.config import Settings
from daemon.diarize.roster import prompt_hint, roster_for
from daemon.executor import Executor
from daemon.hooks import Hooks
from daemon.ledger import Ledger, RecordingRow
from daemon.merge import merge
from daemon.models import ChunkTranscript, Recording, Report, Speaker, Transcript
from daemon.render import Renderer, ReportInput, sidecar_paths
from daemon.search import index_recording
from daemon.sections import ChunkingSettings, DiarizerSettings
from daemon.summarize import Summarizer, summarize
from daemon.summarize.schema import Summary
from daemon.summarize.text import from_transcript
from daemon.transcribe import Transcriber
from daemon.transcribe.chunks import ChunkJob, transcribe_chunks

log = logging.getLogger("daemon.stages")

ProgressFn = Callable[[float, float], None]
"""Called with (seconds of audio done, total seconds) as chunks finish."""


@dataclass(frozen=True)
class Job:
    """One recording on its way through the stages; each stage returns a new one."""

    row: RecordingRow
    from_inbox: bool
    started: float
    recording: Recording | None = None
    transcript: Transcript | None = None
    summary: Summary | None = None
    report: Report | None = None

    @property
    def id(self) -> int:
        return self.row.id

    def need_recording(self) -> Recording:
        assert self.recording is not None, "the probe stage comes first"
        return self.recording

    def need_transcript(self) -> Transcript:
        assert self.transcript is not None, "the transcribe stage comes first"
        return self.transcript


class Stage(Protocol):
    name: str

    def applies(self, job: Job) -> bool: ...

    def resume(self, job: Job) -> Job | None: ...

    def run(self, job: Job) -> Job: ...


class ProbeStage:
    """Open the container: duration, date, and every check that rejects a file as unusable."""

    name = "probe"

    def __init__(self, settings: Settings, ledger: Ledger) -> None:
        self.settings = settings
        self.ledger = ledger

    def applies(self, job: Job) -> bool:
        return True

    def resume(self, job: Job) -> Job | None:
        row = job.row
        if row.recorded_at is None or row.duration is None:
            return None
        return replace(job, recording=_recording(row, row.recorded_at, row.duration))

    def run(self, job: Job) -> Job:
        began = time.monotonic()
        info = _probe(self.settings, job.row.path)
        when = recorded_at(info)
        self.ledger.update(
            job.id, recorded_at=when, duration=info.duration, probe_s=time.monotonic() - began
        )
        return replace(job, recording=_recording(job.row, when, info.duration))


class TranscribeStage:
    """Decode, split at pauses, transcribe every chunk not yet checkpointed, merge."""

    name = "transcribe"

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        transcriber: Transcriber,
        stop: threading.Event,
        progress: ProgressFn | None = None,
        executor: Executor | None = None,
    ) -> None:
        from daemon.executor.local import LocalExecutor

        self.settings = settings
        self.ledger = ledger
        self.transcriber = transcriber
        self.stop = stop
        self.progress = progress
        # Where the chunks are transcribed; ``transcriber`` is already the executor's wrapper.
        self.executor = executor or LocalExecutor(settings.executor.carry_prompt)

    def applies(self, job: Job) -> bool:
        return True

    def resume(self, job: Job) -> Job | None:
        if job.row.plan_key != self.plan_key():
            return None
        transcript = self.ledger.transcript(job.id)
        if transcript is None:
            return None
        if self.progress is not None:
            self.progress(transcript.duration, transcript.duration)
        return replace(job, transcript=transcript)

    def run(self, job: Job) -> Job:
        plan_key = self.plan_key()
        self.ledger.begin_plan(job.id, plan_key)
        # Opening the container again is not redoing the probe: decoding needs its stream.
        info = _probe(self.settings, job.row.path)
        configured = self.settings.transcriber.language
        roster = roster_for(self.settings.diarizer, job.row.path)
        chunk_job = ChunkJob(
            done=self.ledger.chunks(job.id, plan_key),
            language=None if configured == "auto" else configured,
            hint=prompt_hint(self.settings.transcriber.initial_prompt, roster),
            total_seconds=info.duration,
            carry_previous=self.executor.carries_previous_text,
        )
        with self.executor.recording(job.row.sha256 or f"id{job.id}", plan_key):
            chunks = transcribe_chunks(
                self.transcriber,
                split_at_pauses(decode_blocks(info), self.chunking()),
                chunk_job,
                on_done=lambda result: self._checkpoint(job.id, plan_key, result),
                stop=self.stop,
                progress=self.progress,
            )
        # Every chunk is done: the later stages need neither Whisper nor the voice model.
        self.transcriber.release()
        transcript = merge(chunks, _duration(info, chunks), self.transcriber.provenance())
        self.ledger.save_transcript(job.id, transcript)
        return replace(job, transcript=transcript)

    def _checkpoint(self, recording_id: int, plan_key: str, result: ChunkTranscript) -> None:
        self.ledger.save_chunk(recording_id, plan_key, result)
        failpoints.reached("after:chunk")

    def plan_key(self) -> str:
        """Checkpoints are valid only for the chunking and transcriber that made them."""
        provenance = self.transcriber.provenance()
        plan: dict[str, object] = {
            "chunking": self.chunking().model_dump(),
            "backend": provenance.backend,
            "model": provenance.model,
            "options": provenance.options,
        }
        if not self.executor.carries_previous_text:
            # Only when off, so that the default's checkpoints keep their keys.
            plan["previous_text"] = False
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]

    def chunking(self) -> ChunkingSettings:
        """The chunking settings, with chunks capped at the transcriber's limit if it has one."""
        configured = self.settings.chunking
        limit = self.transcriber.max_chunk_seconds
        if limit is None or configured.max_seconds <= limit:
            return configured
        search = min(configured.search_seconds, limit / 2)
        return configured.model_copy(update={"max_seconds": float(limit), "search_seconds": search})


class SummarizeStage:
    """Summarize, record the action items and decisions, index for search."""

    name = "summarize"

    def __init__(
        self,
        ledger: Ledger,
        summarizer: Summarizer | None,
        plan_key: str,
        diarizer: DiarizerSettings | None = None,
    ) -> None:
        self.ledger = ledger
        self.summarizer = summarizer
        self.plan_key = plan_key
        self.diarizer = diarizer  # for the roster: its names are attendees too

    def applies(self, job: Job) -> bool:
        return True

    def resume(self, job: Job) -> Job | None:
        if self.summarizer is None:
            return None  # indexing alone is cheap and local: always redone
        stored = self.ledger.summary_for(job.id, self.input_key(job))
        return None if stored is None else replace(job, summary=stored)

    def run(self, job: Job) -> Job:
        transcript = job.need_transcript()
        if self.summarizer is None:
            index_recording(self.ledger, job.id, transcript, None)
            return replace(job, summary=None)
        utterances = from_transcript(transcript)
        day = self.meeting_date(job)
        summary = with_speakers_as_attendees(
            summarize(self.summarizer, utterances, day),
            transcript.speakers,
            roster_for(self.diarizer, job.row.path) if self.diarizer else (),
        )
        actions.record(self.ledger, job.id, day, summary, utterances)
        index_recording(self.ledger, job.id, transcript, summary)
        provenance = self.summarizer.provenance()
        if provenance is not None:
            self.ledger.save_summary_provenance(
                job.id,
                provenance["backend"],
                provenance["model"],
                provenance["prompt_version"],
                # Whether the text was redacted before it left: the report's front matter says it.
                {**provenance["options"], "redaction": provenance["redaction"]}
                if "redaction" in provenance
                else provenance["options"],
            )
        # The summary is the checkpoint, so it is written last: the ledger records above are
        # replaced as a whole if a crash makes this stage run again.
        self.ledger.save_summary(job.id, self.summarizer.name, day, summary, self.input_key(job))
        return replace(job, summary=summary)

    def meeting_date(self, job: Job) -> date:
        return job.row.meeting_date or job.need_recording().recorded_at.date()

    def input_key(self, job: Job) -> str:
        assert self.summarizer is not None
        key = {
            "summarizer": self.summarizer.identity(),
            "plan": self.plan_key,
            "meeting_date": self.meeting_date(job).isoformat(),
            # Who said what changes the summary: a renamed speaker is summarized again.
            "speakers": [[s.label, s.name] for s in job.need_transcript().speakers],
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


class RenderStage:
    """Write the report and its sidecars, then deliver the hooks."""

    name = "render"

    def __init__(
        self, settings: Settings, ledger: Ledger, summarizer: Summarizer | None, hooks: Hooks
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.summarizer = summarizer
        self.renderer = Renderer(settings.templates)
        self.hooks = hooks

    def applies(self, job: Job) -> bool:
        return True

    def resume(self, job: Job) -> Job | None:
        row = self.ledger.get(job.id)
        if row.report is None or not row.report.exists():
            return None
        sidecars = sidecar_paths(row.report, with_speakers=bool(job.need_transcript().speakers))
        return replace(job, report=Report(markdown=row.report, sidecars=sidecars))

    def run(self, job: Job) -> Job:
        elapsed = time.monotonic() - job.started
        report = self.render(job, elapsed)
        return replace(job, report=report)

    def render(self, job: Job, elapsed: float) -> Report:
        summary = job.summary
        report = self.renderer.write(
            self.settings.outbox,
            ReportInput(
                recording=job.need_recording(),
                source_name=job.row.source_name,
                transcript=job.need_transcript(),
                processing_s=elapsed,
                summarizer=self._summarizer_label(job.id) if summary else "none",
                summary=summary,
                cost_usd=self.ledger.recording_cost(job.id),
                api_calls=tuple(self.ledger.api_calls(job.id)),
                summary_provenance=self.ledger.summary_provenance(job.id),
                roster=roster_for(self.settings.diarizer, job.row.path),
            ),
        )
        self.ledger.save_report(job.id, report, elapsed)
        details: dict[str, object] = {"recording_id": job.id, "source": job.row.source_name}
        if summary is not None:
            details |= {
                "title": summary.title,
                "action_items": len(summary.action_items),
                "decisions": len(summary.decisions),
            }
        self.hooks.delivered("report", report.markdown, details)
        from daemon.search.index import index_report  # passages for search and ask (issue 13)

        index_report(self.settings, self.ledger, job.id, job.need_transcript(), summary)
        return report

    def _summarizer_label(self, recording_id: int) -> str:
        if self.summarizer is None:
            return "none"
        stored = self.ledger.summary_provenance(recording_id)
        if stored is None or stored["backend"] != self.summarizer.name:
            return self.summarizer.name
        return f"{stored['backend']} {stored['model']} (prompt {stored['prompt_version']})"


def with_speakers_as_attendees(
    summary: Summary, speakers: tuple[Speaker, ...], roster: tuple[str, ...] = ()
) -> Summary:
    """When voices were told apart, the attendees are the people who spoke, by name, and the roster.

    A summarizer guesses attendees from the words ("Thanks, Leo"), and ASR gives it capitalised
    non-names to guess from; the diarized speakers are what actually happened. A voice nobody
    named is left out ("Speaker 2" is not a person's name); the report's Speakers line shows it.
    The roster is who was expected: someone on it who said nothing was still there to listen.
    """
    if not speakers and not roster:
        return summary
    names = [s.name for s in speakers if s.name] if speakers else list(summary.attendees)
    known = {name.casefold() for name in names}
    names += [name for name in roster if name.casefold() not in known]
    return summary.model_copy(update={"attendees": names})


def _probe(settings: Settings, path: Path) -> AudioInfo:
    """Open the container with both caps: size, and duration (declared, then as decoded)."""
    return probe(
        path,
        int(settings.max_file_mb * 2**20),
        max_seconds=settings.max_duration_hours * 3600,
    )


def _recording(row: RecordingRow, when: datetime, duration: float) -> Recording:
    return Recording(
        id=row.id, sha256=row.sha256 or "", path=row.path, recorded_at=when, duration=duration
    )


def _duration(info: AudioInfo, chunks: list[ChunkTranscript]) -> float:
    return max(info.duration, chunks[-1].end if chunks else 0.0)
