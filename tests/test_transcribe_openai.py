"""The openai transcription backend through the pipeline, against a local OpenAI-like server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from fake_openai import FakeOpenAI, Reply, error, peak_in_flight

from daemon.api.client import ApiClient
from daemon.assembly import pipeline_for as build_pipeline
from daemon.config import Settings
from daemon.errors import ApiPaused
from daemon.ledger import Ledger
from daemon.pipeline import Pipeline
from daemon.transcribe import create_transcriber
from daemon.transcribe.openai import UPLOAD_LIMIT_BYTES

AUDIO = "/v1/audio/transcriptions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def remote_settings(make_settings: Any, fake: FakeOpenAI, **overrides: Any) -> Settings:
    values = {
        "transcriber.name": "openai",
        "openai.base_url": fake.url,
        "openai.timeout": 5.0,
        "openai.backoff_initial": 0.01,
        "openai.backoff_max": 0.05,
        "chunking.max_seconds": 10,
        "chunking.search_seconds": 5,
        **overrides,
    }
    return make_settings(**values)  # type: ignore[no-any-return]


def pipeline_for(settings: Settings, ledger: Ledger) -> Pipeline:
    api = ApiClient(settings.openai, ledger)
    return build_pipeline(settings, ledger, create_transcriber(settings.transcriber, api), api=api)


def drop(settings: Settings, name: str = "meeting.flac") -> Path:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(FIXTURES / name, settings.inbox / name))


def test_chunks_are_sent_concurrently_compactly_and_each_is_checkpointed(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    fake.latency = lambda seen: 0.4 if seen.path == AUDIO else 0.0
    settings = remote_settings(make_settings, fake, **{"transcriber.concurrency": 4})
    with Ledger(settings.database) as ledger:
        outcome = pipeline_for(settings, ledger).submit(drop(settings), from_inbox=True)
        assert outcome.state == "done", outcome.reason
        chunks = ledger.chunks(outcome.recording_id or 0, ledger.get(1).plan_key or "")
        calls = ledger.api_calls(outcome.recording_id)
    uploads = fake.seen(AUDIO)
    assert len(uploads) == len(chunks) >= 4
    assert peak_in_flight(uploads) >= 3
    for seen in uploads:
        assert len(seen.files["file"]) < UPLOAD_LIMIT_BYTES
        assert seen.form["model"] == "gpt-4o-mini-transcribe"
        assert seen.form["response_format"] == "json"
        assert 1.0 < (seen.audio_seconds or 0) <= 10.5
        # mono 16 kHz MP3 at 32 kbit/s: about 4 kB per second of audio
        assert len(seen.files["file"]) < 5_000 * (seen.audio_seconds or 0) + 2_000
    assert [c.status for c in calls] == ["ok"] * len(chunks)
    audio = sum(c.audio_seconds for c in calls)
    assert audio == pytest.approx(33.6, abs=0.5)
    assert sum(c.cost_usd for c in calls) == pytest.approx(audio / 60 * 0.003)
    assert outcome.report is not None
    text = outcome.report.read_text()
    assert "cost_usd: 0.0017" in text
    assert "this chunk lasts" in text.split("## Transcript", 1)[1]
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    starts = [s["start"] for s in sidecar["segments"]]
    assert starts == sorted(starts) and starts[0] == 0.0  # chunk-level times, in order


def test_a_restart_never_sends_a_checkpointed_chunk_again(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    fake.latency = lambda seen: 0.2 if seen.path == AUDIO else 0.0
    settings = remote_settings(make_settings, fake, **{"transcriber.concurrency": 2})
    fake.enqueue(AUDIO, Reply(), Reply(), error(401, "Incorrect API key provided"))
    source = drop(settings)
    with Ledger(settings.database) as ledger:
        with pytest.raises(ApiPaused):
            pipeline_for(settings, ledger).submit(source, from_inbox=True)
        row = ledger.get(1)
        assert (row.state, row.stage) == ("queued", "transcribe")
        assert row.error is not None and "API key was refused" in row.error
        saved = ledger.chunks(1, row.plan_key or "")
        assert len(saved) >= 2  # the chunks in flight when the key was refused were kept
        first_round = len(fake.seen(AUDIO))

        ledger.clear_pause()  # what a restart does
        outcome = pipeline_for(settings, ledger).submit(source, from_inbox=True)
        assert outcome.state == "done", outcome.reason
        total = len(ledger.chunks(1, row.plan_key or ""))
    # The second run sent only the chunks that had no checkpoint: each chunk once in all,
    # plus the call whose key was refused.
    assert len(fake.seen(AUDIO)) - first_round == total - len(saved)
    assert len(fake.seen(AUDIO)) == total + 1


def test_whisper_segments_keep_their_timestamps_in_the_recording(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = remote_settings(make_settings, fake, **{"transcriber.model": "whisper-1"})
    with Ledger(settings.database) as ledger:
        outcome = pipeline_for(settings, ledger).submit(drop(settings), from_inbox=False)
    assert outcome.report is not None
    assert {s.form["response_format"] for s in fake.seen(AUDIO)} == {"verbose_json"}
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    assert sidecar["transcript"]["language"] == "en"
    assert [s["start"] for s in sidecar["segments"]][1] > 5.0  # offset by the chunk's start


def test_diarized_speakers_reach_the_transcript_and_no_prompt_is_sent(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = remote_settings(
        make_settings, fake,
        **{"transcriber.model": "gpt-4o-transcribe-diarize", "transcriber.initial_prompt": "X"},
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        outcome = pipeline_for(settings, ledger).submit(drop(settings), from_inbox=False)
    assert outcome.report is not None
    for seen in fake.seen(AUDIO):
        assert seen.form["response_format"] == "diarized_json"
        assert seen.form["chunking_strategy"] == "auto"
        assert "prompt" not in seen.form
    sidecar = json.loads(outcome.report.with_suffix(".json").read_text())
    # The backend's two per-chunk labels stay two people, numbered as every diarized report is.
    assert {s["speaker"] for s in sidecar["segments"]} == {"Speaker 1", "Speaker 2"}
    assert [s["label"] for s in sidecar["speakers"]] == ["S1", "S2"]


def test_prompts_carry_the_vocabulary_hint_and_the_previous_chunks_last_words(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = remote_settings(
        make_settings, fake,
        **{"transcriber.concurrency": 1, "transcriber.initial_prompt": "Xiomara, Kubernetes"},
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        pipeline_for(settings, ledger).submit(drop(settings), from_inbox=False)
    prompts = [s.form.get("prompt", "") for s in fake.seen(AUDIO)]
    assert prompts[0] == "Xiomara, Kubernetes"
    assert prompts[1].startswith("Xiomara, Kubernetes this chunk lasts")


def test_a_rejected_request_fails_the_recording_with_the_apis_message(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    fake.enqueue(AUDIO, error(400, "Audio file might be corrupted or unsupported"))
    settings = remote_settings(make_settings, fake, **{"transcriber.concurrency": 1})
    source = drop(settings)
    with Ledger(settings.database) as ledger:
        outcome = pipeline_for(settings, ledger).submit(source, from_inbox=True)
    assert outcome.state == "failed"
    assert outcome.reason is not None and "Audio file might be corrupted" in outcome.reason
    error_file = settings.failed / "meeting.flac.error.txt"
    assert "Audio file might be corrupted" in error_file.read_text()
    assert len(fake.seen(AUDIO)) == 1


def test_chunks_are_capped_at_the_models_limit(make_settings: Any, fake: FakeOpenAI) -> None:
    settings = remote_settings(
        make_settings, fake,
        **{"transcriber.model": "gpt-4o-transcribe", "chunking.max_seconds": 1800,
           "chunking.search_seconds": 60},
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        chunking = pipeline_for(settings, ledger).chunking()
    assert chunking.max_seconds == 600.0
