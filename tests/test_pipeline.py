"""The pipeline on real recordings: reports, duplicates, failures, resumption."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from conftest import FIXTURES, fixture_text, tone, word_error_rate, write_wav

from daemon.assembly import pipeline_for as build_pipeline
from daemon.config import Settings
from daemon.ledger import Ledger
from daemon.models import Chunk, ChunkTranscript, Provenance
from daemon.pipeline import Pipeline
from daemon.retry import retry_failed
from daemon.summarize.schema import Summary
from daemon.transcribe.local import LocalTranscriber


def drop(source: Path, inbox: Path, name: str | None = None) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, inbox / (name or source.name)))


@pytest.fixture
def pipeline(settings: Settings, ledger: Ledger, transcriber: LocalTranscriber) -> Pipeline:
    return build_pipeline(settings, ledger, transcriber)


def test_a_recording_from_the_inbox_becomes_a_report_and_is_archived(
    pipeline: Pipeline, settings: Settings, ledger: Ledger
) -> None:
    source = drop(FIXTURES / "meeting.flac", settings.inbox / "team")
    outcome = pipeline.submit(source, from_inbox=True)
    assert outcome.state == "done"
    assert outcome.report is not None and outcome.report.parent == settings.outbox
    text = outcome.report.read_text()
    assert "maria will update the marketing plan" in text.lower()
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    spoken = " ".join(s["text"] for s in sidecar["segments"])
    assert word_error_rate(fixture_text("meeting"), spoken) < 0.15
    assert outcome.report.with_suffix(".srt").exists()
    assert not source.exists()
    assert (settings.archive / "team" / "meeting.flac").exists()  # subfolder kept
    row = ledger.get(outcome.recording_id or 0)
    assert (row.state, row.report) == ("done", outcome.report)


def test_a_long_recording_is_transcribed_in_chunks_with_every_sentence(
    make_settings: Any, transcriber: LocalTranscriber
) -> None:
    settings = make_settings(**{"chunking.max_seconds": 10, "chunking.search_seconds": 5})
    with Ledger(settings.database) as ledger:
        source = drop(FIXTURES / "meeting.flac", settings.inbox)
        outcome = build_pipeline(settings, ledger, transcriber).submit(source, from_inbox=True)
        chunk_events = ledger.events(outcome.recording_id or 0, "chunk_transcribed")
    assert len(chunk_events) >= 4
    assert outcome.report is not None
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    spoken = " ".join(s["text"] for s in sidecar["segments"])
    assert word_error_rate(fixture_text("meeting"), spoken) < 0.2, spoken
    starts = [s["start"] for s in sidecar["segments"]]
    assert starts == sorted(starts) and starts[-1] > 25.0


@pytest.mark.parametrize(
    ("extension", "codec"),
    [("mp3", "libmp3lame"), ("m4a", "aac"), ("ogg", "libopus"), ("webm", "libopus")],
)
def test_common_formats_are_decoded_without_system_ffmpeg(
    pipeline: Pipeline, tmp_path: Path, extension: str, codec: str
) -> None:
    source = transcode(FIXTURES / "hello.flac", tmp_path / f"hello.{extension}", codec)
    outcome = pipeline.submit(source, from_inbox=False)
    assert outcome.state == "done", outcome.reason
    assert outcome.report is not None
    assert "budget review" in outcome.report.read_text().lower()
    assert source.exists()  # files named on the command line stay where they are


def transcode(source: Path, target: Path, codec: str) -> Path:
    rate = 48_000 if codec == "libopus" else 16_000
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in inp.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


def test_the_same_content_under_a_new_name_gives_no_second_report(
    pipeline: Pipeline, settings: Settings, ledger: Ledger
) -> None:
    first = pipeline.submit(drop(FIXTURES / "hello.flac", settings.inbox), from_inbox=True)
    copy = drop(FIXTURES / "hello.flac", settings.inbox, "hello-copy.flac")
    second = pipeline.submit(copy, from_inbox=True)
    assert second.state == "duplicate"
    assert second.recording_id == first.recording_id
    assert second.report == first.report
    assert sorted(p.suffix for p in settings.outbox.iterdir()) == [
        ".json",
        ".md",
        ".rttm",
        ".srt",
        ".vtt",
    ]
    assert ("duplicate", "hello-copy.flac") in ledger.events(first.recording_id or 0)
    assert (settings.archive / "hello-copy.flac").exists()


def test_a_kept_source_is_not_processed_again(
    make_settings: Any, transcriber: LocalTranscriber
) -> None:
    settings = make_settings(after_success="keep")
    with Ledger(settings.database) as ledger:
        pipeline = build_pipeline(settings, ledger, transcriber)
        source = drop(FIXTURES / "hello.flac", settings.inbox)
        assert pipeline.submit(source, from_inbox=True).state == "done"
        again = pipeline.submit(source, from_inbox=True)
    assert (again.state, again.reason) == ("skipped", "already processed")
    assert source.exists()


def bad_inputs(inbox: Path) -> dict[str, str]:
    """Each bad input, made in the inbox, with the reason it must fail for."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "empty.m4a").touch()
    (inbox / "noise.mp3").write_bytes(np.random.default_rng(7).bytes(40_000))
    truncated = write_wav(inbox / "truncated.wav", tone(6.0))
    with truncated.open("r+b") as handle:
        handle.truncate(truncated.stat().st_size // 3)
    (inbox / "x.wav").mkdir()
    return {
        "empty.m4a": "is empty (0 bytes)",
        "noise.mp3": "not a readable audio",
        "truncated.wav": "is truncated",
        "x.wav": "is a folder, not an audio file",
    }


def test_bad_inputs_end_in_failed_with_the_reason_beside_them(
    pipeline: Pipeline, settings: Settings, ledger: Ledger
) -> None:
    expected = bad_inputs(settings.inbox)
    for name, reason in expected.items():
        outcome = pipeline.submit(settings.inbox / name, from_inbox=True)
        assert outcome.state == "failed"
        assert reason in (outcome.reason or ""), outcome.reason
        assert (settings.failed / name).exists()
        error_text = (settings.failed / f"{name}.error.txt").read_text()
        assert reason in error_text and "minutes retry" in error_text
    assert ledger.counts()["failed"] == 4
    assert not list(settings.outbox.glob("*.md")) if settings.outbox.exists() else True
    # The pipeline carries on with good work afterwards.
    good = pipeline.submit(drop(FIXTURES / "hello.flac", settings.inbox), from_inbox=True)
    assert good.state == "done"


def test_retry_moves_a_failed_recording_back_into_the_inbox(
    pipeline: Pipeline, settings: Settings, ledger: Ledger
) -> None:
    source = write_wav(settings.inbox / "short.wav", tone(6.0))
    with source.open("r+b") as handle:
        handle.truncate(2000)
    failed = pipeline.submit(source, from_inbox=True)
    assert failed.state == "failed"
    messages = retry_failed(ledger, settings, (), process_in_place=_must_not_process)
    assert messages == [
        f"#{failed.recording_id} short.wav: queued again ({settings.inbox / 'short.wav'})"
    ]
    assert (settings.inbox / "short.wav").exists()
    assert not (settings.failed / "short.wav.error.txt").exists()
    assert ledger.get(failed.recording_id or 0).state == "queued"


def _must_not_process(path: Path) -> str:
    raise AssertionError(f"{path} came from the inbox; it must go back there")


def test_retry_processes_a_file_from_minutes_process_where_it_is(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    notes = tmp_path / "my notes"
    notes.mkdir()
    source = Path(shutil.copy(FIXTURES / "hello.flac", notes / "call.flac"))
    strict = make_settings(max_file_mb=0.01)  # the cause: a size cap set too low
    relaxed = make_settings()
    with Ledger(strict.database) as ledger:
        failed = build_pipeline(strict, ledger, transcriber).submit(source, from_inbox=False)
        assert failed.state == "failed"
        assert source.exists() and not strict.failed.exists()  # process leaves it in place

        # The cap fixed, a retry processes it again where it is, not through the inbox.
        retried = build_pipeline(relaxed, ledger, transcriber)
        lines = retry_failed(
            ledger,
            relaxed,
            (),
            process_in_place=lambda path: str(retried.submit(path, from_inbox=False).report),
        )
        row = ledger.get(failed.recording_id or 0)
    assert lines == [f"#{failed.recording_id} call.flac: {row.report}"]
    assert row.state == "done" and row.report is not None and row.report.exists()
    assert source.exists()
    assert not (relaxed.inbox / "call.flac").exists()
    assert not list(relaxed.archive.glob("**/call.flac"))


class StopAfterFirstChunk:
    """The real transcriber, asking the pipeline to stop once its first chunk is done."""

    name = "local"
    concurrency = 1
    max_chunk_seconds = None

    def __init__(self, inner: LocalTranscriber, stop: threading.Event) -> None:
        self.inner, self.stop, self.calls = inner, stop, []  # type: ignore[var-annotated]

    def load(self) -> None:
        self.inner.load()

    def release(self) -> None:
        self.inner.release()

    def provenance(self) -> Provenance:
        return self.inner.provenance()

    word_times = True

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        self.calls.append(chunk.index)
        self.stop.set()
        return self.inner.transcribe(chunk, language=language, prompt=prompt, words=words)


def test_an_interrupted_recording_resumes_without_transcribing_a_chunk_twice(
    make_settings: Any, transcriber: LocalTranscriber
) -> None:
    from daemon.errors import Interrupted

    settings = make_settings(**{"chunking.max_seconds": 10, "chunking.search_seconds": 5})
    source = drop(FIXTURES / "meeting.flac", settings.inbox)
    stop = threading.Event()
    stopping = StopAfterFirstChunk(transcriber, stop)
    with Ledger(settings.database) as ledger:
        with pytest.raises(Interrupted):
            build_pipeline(settings, ledger, stopping, stop=stop).submit(source, from_inbox=True)
        assert stopping.calls == [0]
        row = ledger.recordings()[0]
        assert (row.state, row.stage) == ("processing", "transcribe")

        counting = StopAfterFirstChunk(transcriber, threading.Event())
        outcome = build_pipeline(settings, ledger, counting).submit(source, from_inbox=True)
        assert outcome.state == "done"
        assert counting.calls[0] == 1  # chunk 0 came from the checkpoint
        indexes = [int(d or -1) for _, d in ledger.events(row.id, "chunk_transcribed")]
    assert sorted(indexes) == list(range(len(indexes)))  # each chunk exactly once
    assert outcome.report is not None
    assert "good morning everyone" in outcome.report.read_text().lower()


def test_the_vocabulary_hint_reaches_the_model_as_its_prompt(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    def transcribe_with(hint: str) -> str:
        settings = make_settings(
            state_dir=tmp_path / f"state-{len(hint)}", **{"transcriber.initial_prompt": hint}
        )
        with Ledger(settings.database) as ledger:
            outcome = build_pipeline(settings, ledger, transcriber).submit(
                FIXTURES / "vocabulary.flac", from_inbox=False
            )
        assert outcome.report is not None
        return outcome.report.read_text().split("## Transcript", 1)[1]

    assert "Xiomara Quintanilla" not in transcribe_with("")
    hinted = transcribe_with("Xiomara Quintanilla, Kubernetes")
    assert "Xiomara Quintanilla" in hinted and "Kubernetes" in hinted


def test_a_report_carries_the_summary_and_its_machine_readable_twin(
    pipeline: Pipeline, settings: Settings, ledger: Ledger
) -> None:
    # No container date: the date in the file name is the meeting date (a Monday).
    source = drop(FIXTURES / "meeting.flac", settings.inbox, "2026-03-09 planning.flac")
    outcome = pipeline.submit(source, from_inbox=True)
    assert outcome.report is not None
    text = outcome.report.read_text()
    assert "| Maria | Update the marketing plan | 2026-03-13 (Friday) |" in text
    assert "2026-03-10 (tomorrow morning)" in text
    assert "Hire two more engineers this quarter" in text
    assert 'title: "planning"' in text  # the date in the file name is the date, not the title
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    summary = Summary.model_validate(sidecar["summary"])
    assert summary.action_items and all(i.evidence.verified for i in summary.action_items)
    assert all(i.evidence.start is not None for i in summary.action_items)
    assert ledger.summary(outcome.recording_id or 0) == ("extractive", summary)


def test_the_meeting_date_can_be_overridden(pipeline: Pipeline) -> None:
    outcome = pipeline.submit(
        FIXTURES / "meeting.flac", from_inbox=False, meeting_date=date(2026, 6, 15)
    )
    assert outcome.report is not None
    assert (
        "| Maria | Update the marketing plan | 2026-06-19 (Friday) |" in outcome.report.read_text()
    )


def test_a_recording_can_be_summarized_again_with_another_summarizer(
    make_settings: Any, transcriber: LocalTranscriber
) -> None:
    settings = make_settings()
    with Ledger(settings.database) as ledger:
        outcome = build_pipeline(settings, ledger, transcriber).submit(
            FIXTURES / "meeting.flac", from_inbox=False
        )
        assert outcome.report is not None and "## Action items" in outcome.report.read_text()
        plain = make_settings(**{"summarizer.name": "none"})
        report = build_pipeline(plain, ledger, transcriber).resummarize(outcome.recording_id or 0)
    assert report.markdown == outcome.report
    assert "_No summarizer is configured" in report.markdown.read_text()


def test_an_audio_bomb_fails_fast_and_the_good_file_behind_it_is_done(
    pipeline: Pipeline, settings: Settings, tmp_path: Path
) -> None:
    import time

    from test_audio import silent_opus

    settings.inbox.mkdir(parents=True, exist_ok=True)
    bomb = silent_opus(settings.inbox / "bomb.opus", hours=9)  # ~8 MB, 9 hours of silence
    started = time.monotonic()
    outcome = pipeline.submit(bomb, from_inbox=True)
    assert outcome.state == "failed" and "too long" in (outcome.reason or "")
    assert time.monotonic() - started < 10  # rejected at the probe, nothing decoded
    assert (settings.failed / "bomb.opus").exists()
    good = pipeline.submit(drop(FIXTURES / "hello.flac", settings.inbox), from_inbox=True)
    assert good.state == "done"
