"""The daemon with remote backends: a paused API keeps the queue; batch summaries finish later."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from fake_openai import FakeOpenAI, Reply, Seen, error

from daemon.api.client import api_client_for
from daemon.config import Settings
from daemon.ledger import Ledger
from daemon.service import Service
from daemon.status import print_status
from daemon.transcribe import create_transcriber

AUDIO = "/v1/audio/transcriptions"
CHAT = "/v1/chat/completions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


class Running:
    """A Service in a thread, as ``minutes run`` would run it."""

    def __init__(self, settings: Settings, ledger: Ledger) -> None:
        self.stop = threading.Event()
        api = api_client_for(settings, ledger, self.stop)
        transcriber = create_transcriber(settings.transcriber, api)
        self.service = Service(settings, ledger, transcriber, self.stop, api=api)
        self.thread = threading.Thread(target=self.service.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def settings_for(make_settings: Any, fake: FakeOpenAI, **overrides: Any) -> Settings:
    values = {
        "transcriber.name": "openai", "openai.base_url": fake.url, "openai.timeout": 5.0,
        "openai.backoff_initial": 0.01, "openai.backoff_max": 0.02, "stability_delay": 0.2,
        **overrides,
    }  # fmt: skip
    return make_settings(**values)  # type: ignore[no-any-return]


def drop(settings: Settings, name: str, source: str = "hello.flac") -> Path:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(FIXTURES / source, settings.inbox / name))


def test_a_refused_key_pauses_api_work_keeps_the_queue_and_resumes_after_restart(
    make_settings: Any, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(make_settings, fake)
    fake.enqueue(AUDIO, error(401, "Incorrect API key provided"))
    with Ledger(settings.database) as ledger:
        drop(settings, "one.flac")
        running = Running(settings, ledger)
        until(lambda: ledger.counts()["queued"] == 1 and ledger.pause() is not None)
        drop(settings, "two.flac", "meeting.flac")
        until(lambda: len(ledger.recordings()) == 2)
        time.sleep(0.5)
        assert running.thread.is_alive()
        assert len(fake.seen(AUDIO)) == 1  # the second recording never reached the network
        print_status(ledger, limit=10, as_json=True)
        status = json.loads(capsys.readouterr().out)
        assert status["api_pause"]["kind"] == "auth"
        assert "API key was refused" in status["api_pause"]["reason"]
        assert status["counts"]["failed"] == 0
        running.close()

        running = Running(settings, ledger)  # the key was fixed; a restart resumes
        until(lambda: ledger.counts()["done"] == 2)
        running.close()
        assert ledger.pause() is None
    assert len(list(settings.outbox.glob("*.md"))) == 2


REFUSED_KEY = error(401, "Incorrect API key provided")
NO_QUOTA = error(
    429, "You exceeded your current quota", code="insufficient_quota", type="insufficient_quota"
)


@pytest.mark.parametrize("refusal", [REFUSED_KEY, NO_QUOTA], ids=["401", "insufficient_quota"])
def test_answers_to_uploads_sent_before_a_pause_do_not_lift_it(
    make_settings: Any, fake: FakeOpenAI, refusal: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daemon.api")
    settings = settings_for(
        make_settings, fake,
        **{"transcriber.concurrency": 4, "chunking.max_seconds": 10,
           "chunking.search_seconds": 5, "openai.pause_retry_interval": 3.0,
           "diarizer.name": "none"},
    )  # fmt: skip
    # No voice model: loading it on a busy machine can take most of the 3 s interval the test
    # measures the pause against.
    # Four chunks go out together; whichever arrives first is refused, the other three answer
    # well after the refusal: they were sent before the pause began and say nothing about it.
    refused = Reply(refusal.status, refusal.body, delay=0.5)
    fake.enqueue(AUDIO, refused, *(Reply(delay=1.5) for _ in range(3)))
    with Ledger(settings.database) as ledger:
        drop(settings, "one.flac", "meeting.flac")
        running = Running(settings, ledger)
        until(lambda: ledger.counts()["queued"] == 1 and "waiting" in (ledger.get(1).error or ""))
        until(lambda: all(s.finished for s in fake.seen(AUDIO)))
        assert len(fake.seen(AUDIO)) == 4 and not fake.script[AUDIO]  # all four were in flight
        pause = ledger.pause()
        assert pause is not None and pause.kind in ("auth", "quota") and pause.until is not None
        drop(settings, "two.flac")
        until(lambda: len(ledger.recordings()) == 2)
        lifts_at = time.monotonic() + pause.until - time.time()  # the server's clock
        time.sleep(max(0.0, lifts_at - time.monotonic() - 0.3))
        assert ledger.pause() is not None  # still paused, after every answer came in
        assert len(fake.seen(AUDIO)) == 4  # and nothing was sent meanwhile
        assert "resuming" not in caplog.text

        fake.enqueue(AUDIO, Reply(delay=0.5))  # the probe, once the interval has passed
        until(lambda: ledger.counts()["done"] == 2)
        running.close()
        assert ledger.pause() is None
    probe, *rest = fake.seen(AUDIO)[4:]
    assert probe.at >= lifts_at - 0.05
    assert rest and all(s.at >= probe.at + 0.5 for s in rest)  # the others waited for its answer
    assert caplog.text.count("answers again; resuming") == 1


def test_a_budget_cap_pauses_api_work_instead_of_spending(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = settings_for(make_settings, fake, **{"openai.daily_budget_usd": 0.0001})
    with Ledger(settings.database) as ledger:
        drop(settings, "one.flac")
        running = Running(settings, ledger)
        until(lambda: ledger.pause() is not None)
        running.close()
        pause = ledger.pause()
        row = ledger.recordings()[0]
    assert pause is not None and pause.kind == "budget" and "daily budget" in pause.reason
    assert row.state == "queued" and row.error is not None and "daily budget" in row.error
    assert fake.seen(AUDIO) == []


def test_batch_summaries_are_submitted_polled_across_a_restart_and_finish_the_report(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = settings_for(
        make_settings, fake,
        **{"summarizer.name": "openai", "summarizer.mode": "batch",
           "summarizer.batch_poll_interval": 0.2},
    )  # fmt: skip
    fake.transcript_for = lambda seen: "Maria will update the marketing plan by Friday."
    fake.batch_polls_before_done = 3
    with Ledger(settings.database) as ledger:
        drop(settings, "standup.flac")
        running = Running(settings, ledger)
        until(lambda: bool(ledger.open_batches()))
        running.close()
        row = ledger.recordings()[0]
        assert row.state == "queued" and "Batch API" in (row.error or "")
        assert not list(settings.outbox.glob("*.md"))

        running = Running(settings, ledger)  # polling resumes from the ledger
        until(lambda: ledger.counts()["done"] == 1)
        running.close()
        calls = ledger.api_calls()
    (upload,) = [s for s in fake.seen("/v1/files") if s.method == "POST"]
    lines = [json.loads(line) for line in upload.files["file"].decode().splitlines()]
    assert lines[0]["url"] == "/v1/chat/completions"
    assert lines[0]["body"]["response_format"]["type"] == "json_schema"
    assert len([s for s in fake.seen("/v1/batches") if s.method == "POST"]) == 1
    assert len(fake.seen("/v1/chat/completions")) == 0  # nothing went the synchronous way
    (result,) = [c for c in calls if c.endpoint == "batch.chat.completions"]
    assert result.batch and result.cost_usd == pytest.approx((1000 * 0.15 + 200 * 0.6) / 1e6 / 2)
    (report,) = settings.outbox.glob("*.md")
    assert 'summarizer: "openai gpt-4o-mini' in report.read_text()


def test_a_failed_batch_item_is_submitted_again_once(make_settings: Any, fake: FakeOpenAI) -> None:
    settings = settings_for(
        make_settings, fake,
        **{"summarizer.name": "openai", "summarizer.mode": "batch",
           "summarizer.batch_poll_interval": 0.1},
    )  # fmt: skip
    failures: list[str] = []
    original = fake.batch_reply

    def flaky(seen: Seen, custom_id: str) -> Reply:
        if not failures:
            failures.append(custom_id)
            return error(500, "The server had an error processing your request")
        return original(seen, custom_id)

    fake.batch_reply = flaky  # type: ignore[method-assign]
    fake.batch_polls_before_done = 0
    with Ledger(settings.database) as ledger:
        drop(settings, "standup.flac")
        running = Running(settings, ledger)
        until(lambda: ledger.counts()["done"] == 1)
        running.close()
        (item,) = ledger.batch_items()
    assert failures and item.attempts == 2 and item.state == "done"
    assert len([s for s in fake.seen("/v1/batches") if s.method == "POST"]) == 2


def test_a_long_rate_limit_sets_one_recording_aside_and_the_daemon_goes_on(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = settings_for(make_settings, fake, **{"openai.rate_limit_max_wait": 0.5})
    # The first upload is told to come back in 2 s: longer than Minutes waits in process.
    fake.enqueue(AUDIO, error(429, "Rate limit reached", headers={"Retry-After": "2"}))
    with Ledger(settings.database) as ledger:
        drop(settings, "one.flac")
        running = Running(settings, ledger)
        until(lambda: len(fake.seen(AUDIO)) == 1)
        set_aside = time.monotonic()
        drop(settings, "two.flac", "meeting.flac")
        until(lambda: ledger.counts()["done"] == 1)  # the other recording was not held up
        assert [r.source_name for r in ledger.recordings(("done",))] == ["two.flac"]
        assert ledger.pause() is None  # a rate limit is not a pause
        until(lambda: ledger.counts()["done"] == 2)
        waited = time.monotonic() - set_aside
        running.close()
    assert waited >= 1.5  # the first one came back after Retry-After, not in a tight loop
    assert len(fake.seen(AUDIO)) == 3  # one refused upload, then one per recording
    assert len(list(settings.outbox.glob("*.md"))) == 2


def minutes(
    tmp_path: Path, fake: FakeOpenAI, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``minutes ARGS`` in a process of its own, pointed at the fake server."""
    environment = dict(
        os.environ,
        MINUTES_TRANSCRIBER__NAME="openai",
        MINUTES_OPENAI__BASE_URL=fake.url,
        MINUTES_OPENAI__BACKOFF_INITIAL="0.01",
        MINUTES_STATE_DIR=str(tmp_path / "state"),
        MINUTES_OUTBOX=str(tmp_path / "outbox"),
        OPENAI_API_KEY="sk-test-not-a-real-key",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "daemon", *args],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_minutes_process_against_a_refused_key_says_so_in_one_line_and_exits_7(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.enqueue(AUDIO, error(401, "Incorrect API key provided"))
    clip = Path(shutil.copy(FIXTURES / "hello.flac", tmp_path / "hello.flac"))
    result = minutes(tmp_path, fake, "process", str(clip))
    assert result.returncode == 7, result.stderr
    assert last_line(result).startswith("minutes: error:") and "API key" in last_line(result)
    assert "sk-test-not-a-real-key" not in result.stderr + result.stdout
    assert clip.exists() and not list((tmp_path / "outbox").glob("*.md"))


@pytest.mark.parametrize("stage", ["transcribe", "summarize"])
def test_minutes_process_exits_7_when_the_api_rejects_a_request(
    tmp_path: Path, fake: FakeOpenAI, stage: str
) -> None:
    path, message = {
        "transcribe": (AUDIO, "Audio file might be corrupted or unsupported"),
        "summarize": (CHAT, "Invalid value for 'messages'"),
    }[stage]
    fake.enqueue(path, error(400, message))
    clip = Path(shutil.copy(FIXTURES / "hello.flac", tmp_path / "hello.flac"))
    result = minutes(tmp_path, fake, "process", str(clip), MINUTES_SUMMARIZER__NAME="openai")
    assert result.returncode == 7, result.stderr
    assert last_line(result).startswith("minutes: error: hello.flac:")
    assert message in last_line(result)
    assert len(fake.seen(path)) == 1  # a rejected request is not sent again


def test_minutes_summarize_exits_7_when_the_api_rejects_a_request(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, error(400, "Invalid value for 'messages'"))
    transcript = Path(shutil.copy(FIXTURES / "meeting.txt", tmp_path / "meeting.txt"))
    result = minutes(tmp_path, fake, "summarize", str(transcript), "--summarizer", "openai")
    assert result.returncode == 7, result.stderr
    assert last_line(result).startswith("minutes: error:")
    assert "Invalid value for 'messages'" in last_line(result)
