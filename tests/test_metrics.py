"""Prometheus metrics, read from the ledger at scrape time, and the health verdict of status."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from fake_openai import FakeOpenAI, error
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from daemon.api.client import api_client_for
from daemon.errors import ConfigError
from daemon.ledger import Ledger
from daemon.ledger.metrics import RunTimes
from daemon.metrics import MetricsServer, stage_seconds
from daemon.sections import OpenAISettings
from daemon.sections_ops import MetricsSettings
from daemon.service import Service
from daemon.status import health
from daemon.transcribe.local import LocalTranscriber

CHAT = "/v1/chat/completions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample by name and labels, through prometheus_client's own parser."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        return parse(response.read().decode())


def test_the_daemon_serves_metrics_on_loopback_after_processing_a_recording(
    make_settings: Any, fake: FakeOpenAI, transcriber: LocalTranscriber
) -> None:
    """A real run: local transcription, a summary through the API (one 500 first), a budget."""
    settings = make_settings(**{
        "summarizer.name": "openai", "openai.base_url": fake.url, "openai.backoff_initial": 0.01,
        "openai.backoff_max": 0.02, "openai.daily_budget_usd": 1.0, "metrics.port": 0,
        "stability_delay": 0.2,
    })  # fmt: skip
    fake.enqueue(CHAT, error(500, "try again"))
    settings.inbox.mkdir(parents=True)
    shutil.copy(FIXTURES / "hello.flac", settings.inbox / "hello.flac")
    stop = threading.Event()
    with Ledger(settings.database) as ledger:
        api = api_client_for(settings, ledger, stop)
        service = Service(settings, ledger, transcriber, stop, api=api)
        assert service.metrics is not None
        thread = threading.Thread(target=service.run, daemon=True)
        thread.start()
        try:
            until(lambda: ledger.counts()["done"] == 1)
            samples = scrape(service.metrics.port)
            port = service.metrics.port
            row = ledger.recordings()[0]
            chunks = ledger.chunks(row.id, row.plan_key or "")
        finally:
            stop.set()
            thread.join(30)
    assert not thread.is_alive()
    with pytest.raises(urllib.error.URLError):
        scrape(port)  # stopped with the daemon

    assert value(samples, "minutes_recordings", state="done") == 1
    assert value(samples, "minutes_recordings", state="failed") == 0
    assert value(samples, "minutes_queue_depth") == 0
    assert row.duration and row.processing_s
    assert value(samples, "minutes_audio_processed_seconds_total") == pytest.approx(row.duration)
    transcribed = sum(chunk.elapsed for chunk in chunks.values())
    stage = "minutes_stage_duration_seconds"
    assert value(samples, f"{stage}_count", stage="transcribe") == 1
    assert value(samples, f"{stage}_sum", stage="transcribe") == pytest.approx(transcribed)
    for later in ("probe", "diarize", "summarize", "render"):
        assert value(samples, f"{stage}_count", stage=later) == 1
        assert 0 <= value(samples, f"{stage}_sum", stage=later) < row.processing_s
    assert value(samples, f"{stage}_bucket", stage="transcribe", le="+Inf") == 1
    assert value(samples, "minutes_real_time_factor_sum") == pytest.approx(
        row.processing_s / row.duration
    )
    assert value(samples, "minutes_recording_processing_seconds_sum") == pytest.approx(
        row.processing_s
    )

    api = {"backend": "openai", "endpoint": "chat.completions", "model": "gpt-4o-mini"}
    assert value(samples, "minutes_api_calls_total", **api, status="ok") == 1
    assert value(samples, "minutes_api_calls_total", **api, status="http_500") == 1
    assert value(samples, "minutes_api_retries_total", **api, reason="http_500") == 1
    assert value(samples, "minutes_api_tokens_total", **api, direction="in") == 1000
    assert value(samples, "minutes_api_tokens_total", **api, direction="out") == 200
    cost = (1000 * 0.15 + 200 * 0.60) / 1e6  # gpt-4o-mini's default prices
    assert value(samples, "minutes_api_cost_usd_total", **api) == pytest.approx(cost)
    assert value(samples, "minutes_budget_remaining_usd", period="daily") == pytest.approx(
        1.0 - cost
    )
    assert "monthly" not in json.dumps(list(samples))  # no monthly cap, no monthly gauge
    assert value(samples, "minutes_api_paused") == 0
    assert time.time() - value(samples, "minutes_last_report_timestamp_seconds") < 120
    assert value(samples, "minutes_health") == 0


def test_stage_durations_count_only_intervals_inside_the_last_run() -> None:
    start = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    run = RunTimes(
        recording_id=1, duration=600.0, processing_s=90.0, run_start=at(0), run_end=at(90),
        probe_s=0.25, transcribe_s=60.0, last_chunk_at=at(61), transcript_at=at(70), diarized=True,
        summary_at=at(85), report_at=at(89),
    )  # fmt: skip
    assert stage_seconds(run) == {"probe": 0.25, "transcribe": 60.0, "diarize": 9.0,
                                  "summarize": 15.0, "render": 4.0}  # fmt: skip
    # Resumed after a crash: the chunks and the transcript are from the run before, so only
    # the probe's and the chunks' own timings and what happened after the restart count; a
    # later re-summary (after "done") is not a slow render.
    resumed = RunTimes(
        recording_id=1, duration=600.0, processing_s=20.0, run_start=at(3600),
        run_end=at(3620), probe_s=0.25, transcribe_s=60.0, last_chunk_at=at(61),
        transcript_at=at(70), diarized=False, summary_at=at(3610), report_at=at(4000),
    )  # fmt: skip
    assert stage_seconds(resumed) == {"probe": 0.25, "transcribe": 60.0}


def test_digest_runs_and_a_paused_api_are_counted_without_a_server(ledger: Ledger) -> None:
    ledger.digests.record("daily", "2026-03-10T16:00", "2026-03-11T16:00", Path("d.md"), 2, "x")
    ledger.digests.record("daily", "2026-03-11T16:00", "2026-03-12T16:00", None, 0, "x")
    ledger.digests.record("weekly", "2026-03-02T08:00", "2026-03-09T08:00", Path("w.md"), 5, "x")
    ledger.set_pause("auth", "the API key was refused (401)", None)
    server = MetricsServer(MetricsSettings(port=0), ledger, OpenAISettings())
    samples = parse(generate_latest(server.registry).decode())
    runs = "minutes_digest_runs_total"
    assert value(samples, runs, kind="daily", outcome="written") == 1
    assert value(samples, runs, kind="daily", outcome="skipped") == 1
    assert value(samples, runs, kind="weekly", outcome="written") == 1
    assert value(samples, "minutes_api_paused") == 1
    assert value(samples, "minutes_health") == 2
    assert not any(name == "minutes_budget_remaining_usd" for name, _ in samples)


def test_a_metrics_port_in_use_stops_the_daemon_with_a_config_error(ledger: Ledger) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = MetricsServer(MetricsSettings(port=port), ledger, OpenAISettings())
        with pytest.raises(ConfigError, match=r"cannot serve metrics on 127\.0\.0\.1"):
            server.start()


# Health ----------------------------------------------------------------------------------------


def _recording(ledger: Ledger, tmp_path: Path, name: str) -> int:
    return ledger.add_recording(
        sha256=name.ljust(64, "0"), path=tmp_path / name, size=1, mtime_ns=1
    ).id


def _age(ledger: Ledger, recording_id: int, hours: float) -> None:
    then = datetime.now(timezone.utc) - timedelta(hours=hours)
    with ledger.transaction() as db:
        db.execute(
            "UPDATE recordings SET updated_at = ? WHERE id = ?", (then.isoformat(), recording_id)
        )


def test_health_is_ok_degraded_or_down_with_the_reasons(ledger: Ledger, tmp_path: Path) -> None:
    assert health(ledger).verdict == "ok" and health(ledger).reasons == ()
    ledger.set_pause("budget", "daily budget of $1.00 reached", time.time() + 3600)
    assert health(ledger).verdict == "degraded"
    ledger.set_pause("quota", "the account has no quota left", None)
    verdict = health(ledger)
    assert verdict.verdict == "down" and "no quota" in verdict.reasons[0]
    ledger.clear_pause()
    failed = _recording(ledger, tmp_path, "broken.m4a")
    ledger.set_state(failed, "failed", stage="probe", error="not audio")
    verdict = health(ledger)
    assert verdict.verdict == "degraded"
    assert verdict.reasons == ("1 recording(s) failed in the last hour",)
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert health(ledger, now=later).verdict == "ok"  # an old failure is history


def test_a_queue_that_has_not_moved_for_an_hour_is_degraded(ledger: Ledger, tmp_path: Path) -> None:
    queued = _recording(ledger, tmp_path, "waiting.m4a")
    _age(ledger, queued, 0.5)
    assert health(ledger).verdict == "ok"
    _age(ledger, queued, 2)
    verdict = health(ledger)
    assert verdict.verdict == "degraded" and f"#{queued}" in verdict.reasons[0]
    # Behind a recording that a live process is working on, the queue moves.
    busy = _recording(ledger, tmp_path, "busy.m4a")
    ledger.set_state(busy, "processing", stage="transcribe")
    ledger.claim(busy, "worker", 60.0)
    assert health(ledger).verdict == "ok"
    ledger.release(busy, "worker")
    ledger.set_state(busy, "done")
    # Set aside to wait for the Batch API or a rate limit: waiting on purpose.
    ledger.set_state(queued, "queued", stage="summarize", error="waiting: batch in progress")
    _age(ledger, queued, 2)
    assert health(ledger).verdict == "ok"


def test_minutes_status_json_carries_the_health_verdict(make_settings: Any, tmp_path: Path) -> None:
    settings = make_settings()
    with Ledger(settings.database) as ledger:
        ledger.set_pause("budget", "monthly budget of $20.00 reached", time.time() + 3600)
    command = ["status", "--json", "--state-dir", str(settings.state_dir)]
    result = subprocess.run(
        [sys.executable, "-m", "daemon", *command], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["health"]["verdict"] == "degraded"
    assert document["health"]["reasons"] == ["API work paused: a budget cap was reached"]
    assert "monthly budget" in document["api_pause"]["reason"]
