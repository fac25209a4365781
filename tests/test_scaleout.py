"""Scale-out (issue 12): a recording's chunks transcribed by Celery workers through Redis.

Everything is real: ``redis-server`` on a free loopback port with its own folder and password,
``minutes worker`` processes (Celery's worker, the embedded model, one thread each), and the
daemon as ``minutes process`` / ``minutes run`` subprocesses. The recording is the 34 s meeting
fixture cut into 7 chunks of at most 5 s. Where ``redis-server`` is not installed, the tests that
need it skip and say so (``tests/redis_server.py``).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES
from redis_server import PASSWORD, RedisServer, free_port, redis_server
from test_daemon import Daemon, wait_until

from daemon.errors import ConfigError
from daemon.executor import codec, snapshot
from daemon.executor.broker import broker_url
from daemon.sections_ops import ExecutorSettings

__all__ = ["redis_server"]  # the fixture, imported to be found by pytest

PASSWORD_VARIABLE = "MINUTES_TEST_BROKER_PASSWORD"
TASK_TIMEOUT = 15  # seconds: a chunk of a killed worker goes back on the queue after 25 s


def common_env(root: Path) -> dict[str, str]:
    """Settings both sides share: the model and options that make the words what they are."""
    return {
        "MINUTES_STATE_DIR": str(root / "state"),
        "MINUTES_OUTBOX": str(root / "outbox"),
        "MINUTES_TRANSCRIBER__CPU_THREADS": "1",
        "MINUTES_TRANSCRIBER__LANGUAGE": "en",
        "MINUTES_CHUNKING__MAX_SECONDS": "5",
        "MINUTES_CHUNKING__SEARCH_SECONDS": "2",
        "MINUTES_SUMMARIZER__NAME": "extractive",
    }


def celery_env(root: Path, redis: RedisServer | None, port: int | None = None) -> dict[str, str]:
    url = redis.url if redis is not None else f"redis://127.0.0.1:{port}/0"
    return {
        **common_env(root),
        "MINUTES_EXECUTOR__NAME": "celery",
        "MINUTES_EXECUTOR__BROKER_URL": url,
        "MINUTES_EXECUTOR__BROKER_PASSWORD_ENV": PASSWORD_VARIABLE,
        PASSWORD_VARIABLE: PASSWORD,
        "MINUTES_EXECUTOR__TASK_TIMEOUT": str(TASK_TIMEOUT),
    }


class Worker:
    """One ``minutes worker`` process, in its own process group so kill -9 takes all of it."""

    def __init__(self, root: Path, name: str, env: dict[str, str]) -> None:
        self.root = root
        self.name = name
        self.env = {**os.environ, **env, "MINUTES_STATE_DIR": str(root / f"state-{name}")}
        self.path = root / f"worker-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daemon", "worker", "--name", self.name],
                env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def log(self) -> str:
        return self.path.read_text(errors="replace") if self.path.exists() else ""

    def wait_ready(self) -> None:
        wait_until(lambda: "ready." in self.log() or self._died(), 90, f"worker {self.name}")
        assert not self._died(), self.log()

    def _died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def received(self) -> list[str]:
        return re.findall(r"Task minutes\.transcribe_chunk\[([^\]]+)\] received", self.log())

    def finished(self) -> list[int]:
        """The chunks this worker transcribed, from Celery's INFO line for each finished task."""
        return [int(n) for n in re.findall(r"succeeded in [0-9.]+s: \{'chunk': (\d+)", self.log())]

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start_workers(into: list[Worker], root: Path, env: dict[str, str], *names: str) -> None:
    for name in names:
        into.append(Worker(root, name, env).start())
    for worker in into[-len(names) :]:
        worker.wait_ready()


def minutes(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daemon", *args], env={**os.environ, **env}, cwd=root,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def recording(root: Path, folder: str = "clips") -> Path:
    target = root / folder / "meeting.flac"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "meeting.flac", target)
    return target


def transcript_section(report: Path) -> str:
    text = report.read_text(encoding="utf-8")
    return text[text.index("## Transcript") :]


def chunk_events(state: Path) -> Counter[int]:
    with sqlite3.connect(f"file:{state / 'ledger.db'}?mode=ro", uri=True, timeout=5) as db:
        rows = db.execute("SELECT detail FROM events WHERE kind = 'chunk_transcribed'")
        return Counter(int(r[0]) for r in rows)


def chunk_rows(state: Path) -> tuple[int, int]:
    """(chunks in the ledger, of which with voice embeddings)."""
    with sqlite3.connect(f"file:{state / 'ledger.db'}?mode=ro", uri=True, timeout=5) as db:
        total = db.execute("SELECT COUNT(*), COUNT(embeddings) FROM chunks").fetchone()
        return int(total[0]), int(total[1])


# Without a broker -------------------------------------------------------------------------


def test_flac_carries_a_chunks_samples_to_the_worker_bit_for_bit() -> None:
    pcm = np.random.default_rng(7).integers(-32768, 32767, 16_000 * 3).astype(np.int16)
    samples = (pcm.astype(np.float32) / 32768.0).astype(np.float32)
    data = codec.encode(samples, "flac")
    assert np.array_equal(codec.decode(codec.from_text(codec.to_text(data))), samples)
    opus = codec.encode(samples, "opus", 32)
    assert len(opus) < len(data) / 4
    assert codec.decode(opus).shape[0] >= samples.shape[0] - 960  # Opus frames: 20 ms slack


def test_the_broker_password_comes_from_the_environment_or_a_file_never_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="must not contain a password"):
        ExecutorSettings(broker_url="redis://:hunter2@queue-host:6379/0")
    monkeypatch.setenv("BROKER_SECRET", "s3cr/t@")
    from_env = ExecutorSettings(
        broker_url="rediss://queue-host:6380/0", broker_password_env="BROKER_SECRET"
    )
    assert broker_url(from_env) == "rediss://:s3cr%2Ft%40@queue-host:6380/0"
    secret = tmp_path / "broker.password"
    secret.write_text("from-file\n")
    from_file = ExecutorSettings(
        broker_url="redis://queue-host:6379/0", broker_password_file=str(secret)
    )
    assert broker_url(from_file) == "redis://:from-file@queue-host:6379/0"
    with pytest.raises(ConfigError, match="MISSING_VARIABLE"):
        broker_url(
            ExecutorSettings(broker_url="redis://q/0", broker_password_env="MISSING_VARIABLE")
        )


def test_status_lines_say_how_old_the_daemons_snapshot_is(tmp_path: Path) -> None:
    assert snapshot.lines(tmp_path) == []
    shot = snapshot.Snapshot(tmp_path / snapshot.FILE_NAME, "minutes", "redis://q:6379/0")
    shot.started("t1", 3, "ab" * 32)
    shot.write(None)
    lines = snapshot.lines(tmp_path)
    assert lines[0].startswith("executor: celery, queue minutes on redis://q:6379/0 (as of")
    assert lines[1] == "workers seen: 0"
    assert lines[2] == "chunks in flight: 1: abababababab#3"


# With Redis and workers -------------------------------------------------------------------


@pytest.mark.slow
def test_two_workers_share_the_chunks_and_the_report_matches_the_local_executor_word_for_word(
    tmp_path: Path, redis_server: RedisServer, workers: list[Worker]
) -> None:
    env = celery_env(tmp_path, redis_server)
    start_workers(workers, tmp_path, env, "one", "two")
    done = minutes(tmp_path, env, "process", str(recording(tmp_path)))
    assert done.returncode == 0, done.stderr + workers[0].log() + workers[1].log()
    report = Path(done.stdout.strip())

    events = chunk_events(tmp_path / "state")
    assert len(events) >= 6 and set(events.values()) == {1}, events
    assert chunk_rows(tmp_path / "state") == (len(events), len(events))  # voices came back too
    by_worker = [w.finished() for w in workers]
    assert all(by_worker), f"both workers work: {by_worker}"
    assert sorted(by_worker[0] + by_worker[1]) == sorted(events)
    # The worker's log names chunks, never their words.
    first_words = transcript_section(report).split("\n")[2].split()[-3:]
    assert " ".join(first_words) not in workers[0].log() + workers[1].log()

    status = minutes(tmp_path, env, "status")
    assert "workers seen: 2" in status.stdout, status.stdout
    assert "chunks in flight: 0" in status.stdout

    # The local executor with the options a worker uses (every chunk prompted with the hint
    # alone: executor.carry_prompt = false) makes the very same transcript.
    local = {**common_env(tmp_path), "MINUTES_EXECUTOR__CARRY_PROMPT": "false"}
    local["MINUTES_STATE_DIR"] = str(tmp_path / "state-local")
    local["MINUTES_OUTBOX"] = str(tmp_path / "outbox-local")
    alone = minutes(tmp_path, local, "process", str(recording(tmp_path, "local")))
    assert alone.returncode == 0, alone.stderr
    assert transcript_section(Path(alone.stdout.strip())) == transcript_section(report)


@pytest.mark.slow
def test_a_worker_killed_mid_chunk_has_it_redone_by_another_and_every_chunk_is_done_once(
    tmp_path: Path, redis_server: RedisServer, workers: list[Worker]
) -> None:
    env = celery_env(tmp_path, redis_server)
    start_workers(workers, tmp_path, env, "doomed", "survivor")
    doomed, survivor = workers
    with (tmp_path / "process.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daemon", "process", str(recording(tmp_path))],
            env={**os.environ, **env}, cwd=tmp_path, stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip
    # Kill it while it holds a chunk it has received but not finished.
    wait_until(lambda: len(doomed.received()) > len(doomed.finished()), 120, "a chunk in work")
    lost = doomed.received()[-1]
    doomed.kill()
    out, _ = process.communicate(timeout=180)
    assert process.returncode == 0, (tmp_path / "process.log").read_text() + survivor.log()
    assert Path(out.decode().strip()).exists()
    events = chunk_events(tmp_path / "state")
    assert len(events) >= 6 and set(events.values()) == {1}, events
    assert lost in survivor.received(), "the killed worker's chunk was delivered again"
    assert len(list((tmp_path / "outbox").glob("*.md"))) == 1


@pytest.mark.slow
def test_a_daemon_killed_mid_recording_resumes_and_sends_no_chunk_twice(
    tmp_path: Path, redis_server: RedisServer, workers: list[Worker]
) -> None:
    env = celery_env(tmp_path, redis_server)
    start_workers(workers, tmp_path, env, "one", "two")
    shared = {k: v for k, v in env.items() if k not in ("MINUTES_STATE_DIR", "MINUTES_OUTBOX")}
    daemon = Daemon(tmp_path, **shared, MINUTES_FAILPOINT="after:chunk")
    recording(tmp_path, "inbox")
    daemon.start()
    assert daemon.process is not None
    assert daemon.process.wait(timeout=120) == -signal.SIGKILL, daemon.log()
    assert sum(chunk_events(tmp_path / "state").values()) == 1
    daemon.env.pop("MINUTES_FAILPOINT")
    daemon.start()
    try:
        wait_until(lambda: daemon.reports(), 120, "the report after the restart")
    finally:
        daemon.stop()
    events = chunk_events(tmp_path / "state")
    assert len(events) >= 6 and set(events.values()) == {1}, events
    sent = workers[0].received() + workers[1].received()
    assert len(sent) == len(set(sent)) == len(events), "each chunk was sent once"
    assert len(daemon.reports()) == 1
    assert "was sent before this start; waiting for it" in daemon.log()


@pytest.mark.slow
def test_a_broker_down_at_start_up_is_a_clear_error_and_the_recording_waits_not_fails(
    tmp_path: Path, workers: list[Worker]
) -> None:
    from redis_server import require_redis_server

    require_redis_server()
    port = free_port()
    env = celery_env(tmp_path, None, port)
    clip = recording(tmp_path)
    down = minutes(tmp_path, env, "process", str(clip))
    assert down.returncode == 7
    assert down.stderr.startswith(f"minutes: error: broker redis://127.0.0.1:{port}/0: cannot be")
    assert PASSWORD not in down.stderr
    rows = json.loads(minutes(tmp_path, env, "status", "--json").stdout)["recordings"]
    assert [(r["state"], r["error"].startswith("waiting: broker")) for r in rows] == [
        ("queued", True)
    ]
    # Once the broker and a worker are there, the same recording goes through.
    server = RedisServer(port, tmp_path / "redis")
    server.start()
    try:
        start_workers(workers, tmp_path, env, "late")
        up = minutes(tmp_path, env, "process", str(clip))
        assert up.returncode == 0, up.stderr
    finally:
        server.stop()


@pytest.mark.slow
def test_a_pickled_message_on_the_queue_is_refused_and_never_unpickled(
    tmp_path: Path, redis_server: RedisServer, workers: list[Worker]
) -> None:
    from celery import Celery

    env = celery_env(tmp_path, redis_server)
    start_workers(workers, tmp_path, env, "guard")
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    attacker = Celery("attacker", broker=redis_server.url.replace("//", f"//:{PASSWORD}@"))
    attacker.conf.update(accept_content=["pickle", "json"], task_serializer="pickle")
    attacker.send_task(
        "minutes.transcribe_chunk", args=[Exploit()], queue="minutes", serializer="pickle"
    )
    assert pickle.dumps(Exploit())  # the payload is a real pickle that would open the file
    wait_until(lambda: "untrusted content" in workers[0].log(), 30, "the refusal")
    time.sleep(1)
    assert not marker.exists()
    assert "Refusing to deserialize untrusted content of type pickle" in workers[0].log()
