"""`minutes run` and `minutes process` as real subprocesses: signals, kill -9, bad inputs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, write_wav
from test_pipeline import bad_inputs

from daemon.audio import decode_blocks, probe

pytestmark = pytest.mark.slow


class Daemon:
    def __init__(self, root: Path, **settings: str) -> None:
        self.root = root
        self.env = dict(
            os.environ,
            MINUTES_INBOX=str(root / "inbox"),
            MINUTES_OUTBOX=str(root / "outbox"),
            MINUTES_ARCHIVE=str(root / "archive"),
            MINUTES_FAILED=str(root / "failed"),
            MINUTES_STATE_DIR=str(root / "state"),
            MINUTES_STABILITY_DELAY="0.5",
            **settings,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        with (self.root / f"daemon-{self.runs}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daemon", "run"], env=self.env, cwd=self.root,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def log(self) -> str:
        return (self.root / f"daemon-{self.runs}.log").read_text()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "daemon", *args], env=self.env, cwd=self.root,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def reports(self) -> list[Path]:
        return sorted((self.root / "outbox").glob("*.md"))

    def chunk_events(self) -> list[int]:
        database = self.root / "state" / "ledger.db"
        if not database.exists():
            return []
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            try:
                rows = db.execute("SELECT detail FROM events WHERE kind = 'chunk_transcribed'")
                return [int(r[0]) for r in rows]
            except sqlite3.OperationalError:
                return []


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path)
    yield running
    if running.process is not None and running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_a_dropped_recording_becomes_a_report_and_sigterm_stops_cleanly(daemon: Daemon) -> None:
    daemon.start()
    (daemon.root / "inbox").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "hello.flac", daemon.root / "inbox" / "budget review.flac")
    wait_until(daemon.reports, 90, "a report")
    (report,) = daemon.reports()
    assert "budget review" in report.read_text().lower()
    wait_until(lambda: (daemon.root / "archive" / "budget review.flac").exists(), 10, "archiving")
    status = json.loads(daemon.cli("status", "--json").stdout)
    assert status["counts"]["done"] == 1
    assert status["recordings"][0]["report"] == str(report)
    assert daemon.stop(signal.SIGTERM, timeout=30) == 0
    assert "stopped" in daemon.log()


def long_meeting(path: Path) -> Path:
    """The meeting fixture three times over (100 s), as a WAV."""
    samples = np.concatenate(list(decode_blocks(probe(FIXTURES / "meeting.flac"))))
    return write_wav(path, np.concatenate([samples] * 3))


def test_kill_9_mid_recording_then_restart_gives_one_report_and_no_chunk_twice(
    tmp_path: Path,
) -> None:
    daemon = Daemon(
        tmp_path, MINUTES_CHUNKING__MAX_SECONDS="8", MINUTES_CHUNKING__SEARCH_SECONDS="4"
    )
    source = long_meeting(tmp_path / "long.wav")
    (tmp_path / "inbox").mkdir()
    daemon.start()
    try:
        shutil.move(source, tmp_path / "inbox" / "long.wav")
        wait_until(lambda: len(daemon.chunk_events()) >= 2, 120, "two checkpointed chunks")
        daemon.stop(signal.SIGKILL)
        before_restart = daemon.chunk_events()
        assert daemon.reports() == []
        assert (tmp_path / "inbox" / "long.wav").exists()

        daemon.start()
        wait_until(daemon.reports, 180, "the report after restart")
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        if daemon.process is not None and daemon.process.poll() is None:
            daemon.process.kill()
    events = daemon.chunk_events()
    assert len(daemon.reports()) == 1
    assert sorted(events) == list(range(len(events))), events  # no chunk transcribed twice
    assert len(events) > len(before_restart) >= 2
    assert "resuming recording #1 long.wav" in daemon.log()
    assert "good morning everyone" in daemon.reports()[0].read_text().lower()


def test_the_daemon_keeps_working_after_bad_inputs(daemon: Daemon) -> None:
    expected = bad_inputs(daemon.root / "inbox")
    daemon.start()
    shutil.copy(FIXTURES / "hello.flac", daemon.root / "inbox" / "good.flac")
    wait_until(daemon.reports, 90, "the good report")
    wait_until(
        lambda: len(list((daemon.root / "failed").glob("*.error.txt"))) == len(expected), 30,
        "every bad input in failed/",
    )  # fmt: skip
    for name, reason in expected.items():
        assert reason in (daemon.root / "failed" / f"{name}.error.txt").read_text()
    status = daemon.cli("status")
    assert "failed: 4" in status.stdout
    assert daemon.stop() == 0


def test_process_prints_the_report_path_and_fails_clearly_on_bad_input(daemon: Daemon) -> None:
    clip = Path(shutil.copy(FIXTURES / "hello.flac", daemon.root / "hello.flac"))
    result = daemon.cli("process", str(clip))
    assert result.returncode == 0, result.stderr
    report = Path(result.stdout.strip().splitlines()[-1])
    assert report.parent == daemon.root / "outbox" and report.exists()
    assert clip.exists()
    assert "## Action items" in report.read_text()

    again = daemon.cli("summarize", "--recording", "1", "--summarizer", "none")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(report)
    assert "_No summarizer is configured" in report.read_text()

    empty = daemon.root / "empty.mp3"
    empty.touch()
    failed = daemon.cli("process", str(empty))
    assert failed.returncode == 3
    assert failed.stderr.strip().splitlines()[-1] == "minutes: error: empty.mp3: is empty (0 bytes)"


def test_process_shows_a_progress_bar_on_a_terminal(daemon: Daemon) -> None:
    import pty

    clip = Path(shutil.copy(FIXTURES / "meeting.flac", daemon.root / "meeting.flac"))
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "daemon", "process", str(clip), "--set", "chunking.max_seconds=10",
         "--set", "chunking.search_seconds=4"],
        env=daemon.env, cwd=daemon.root, stdin=terminal, stdout=terminal, stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    output = b""
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        output += data
    os.close(controller)
    assert process.wait(timeout=60) == 0
    screen = output.decode(errors="replace")
    assert "meeting.flac" in screen and "s of audio done" in screen
    assert str(daemon.root / "outbox") in screen
