"""A kill -9 after every stage of the contract, then a restart: one report, nothing paid twice.

The daemon runs as a real subprocess with the real model; the summarizer is remote (the fake
OpenAI server), so a summary paid for twice shows up as a second chat call. The kill is a real
SIGKILL the process sends itself at a named point (``daemon.failpoints``), so each case hits the
moment it names and no other.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES
from fake_openai import FakeOpenAI
from test_daemon import Daemon, wait_until

pytestmark = pytest.mark.slow

CHAT = "/v1/chat/completions"

FAILPOINTS = [
    "after:probe",
    "after:chunk",
    "after:transcribe",
    "after:diarize",
    "after:summarize",
    "after:render",
    "after:file",
]


def crash_daemon(root: Path, fake: FakeOpenAI) -> Daemon:
    return Daemon(
        root,
        MINUTES_CHUNKING__MAX_SECONDS="10",
        MINUTES_CHUNKING__SEARCH_SECONDS="5",
        MINUTES_SUMMARIZER__NAME="openai",
        MINUTES_OPENAI__BASE_URL=fake.url,
        OPENAI_API_KEY="sk-test-not-a-real-key",
    )


def chunks_without_voices(root: Path) -> int:
    """Chunks checkpointed without their voice embeddings (the diarizer is on by default)."""
    with sqlite3.connect(f"file:{root / 'state' / 'ledger.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM chunks WHERE embeddings IS NULL").fetchone()[0])


def summaries_in_ledger(root: Path) -> int:
    with sqlite3.connect(f"file:{root / 'state' / 'ledger.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0])


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_a_kill_9_at_any_stage_resumes_with_one_report_and_nothing_paid_twice(
    tmp_path: Path, failpoint: str
) -> None:
    with FakeOpenAI() as fake:
        daemon = crash_daemon(tmp_path, fake)
        daemon.env["MINUTES_FAILPOINT"] = failpoint
        (tmp_path / "inbox").mkdir()
        daemon.start()
        try:
            shutil.copy(FIXTURES / "meeting.flac", tmp_path / "inbox" / "standup.flac")
            assert daemon.process is not None
            assert daemon.process.wait(timeout=180) == -signal.SIGKILL, daemon.log()
            del daemon.env["MINUTES_FAILPOINT"]
            daemon.start()
            wait_until(lambda: (tmp_path / "archive" / "standup.flac").exists(), 180, "filing")
            # Only once it is up (its start-up line) does it handle SIGTERM as a stop request.
            wait_until(lambda: ": inbox " in daemon.log(), 60, "the daemon's start-up line")
            wait_until(lambda: "resuming" in daemon.log() or failpoint == "after:file", 10, "log")
            assert daemon.stop(signal.SIGTERM, timeout=60) == 0
        finally:
            if daemon.process is not None and daemon.process.poll() is None:
                daemon.process.kill()
        chat_calls = len(fake.seen(CHAT))
    events = daemon.chunk_events()
    assert len(daemon.reports()) == 1
    assert len(events) >= 3  # the 34 s meeting in chunks of at most 10 s
    assert sorted(events) == list(range(len(events))), events  # every chunk exactly once
    # The voices of a chunk are embedded with it and checkpointed in its row: a chunk that was
    # not transcribed again was not embedded again either, and none lacks its embeddings.
    assert chunks_without_voices(tmp_path) == 0
    assert chat_calls == 1  # the summary was paid for once, across the kill
    assert summaries_in_ledger(tmp_path) == 1
    counts = json.loads(daemon.cli("status", "--json").stdout)["counts"]
    assert (counts["done"], counts["failed"]) == (1, 0)
