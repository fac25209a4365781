"""One process owns a recording at a time: two `minutes process` on one file do not race."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_daemon import Daemon

from daemon.cli import BUSY_EXIT

pytestmark = pytest.mark.slow


def test_two_process_runs_on_one_file_make_one_report_and_the_loser_says_why(
    tmp_path: Path,
) -> None:
    daemon = Daemon(tmp_path)
    clip = Path(shutil.copy(FIXTURES / "meeting.flac", tmp_path / "meeting.flac"))
    command = [sys.executable, "-m", "daemon", "process", str(clip)]
    runs = [
        subprocess.Popen(
            command,
            env=daemon.env,
            cwd=tmp_path,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=180), *run.communicate()) for run in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes[0] == 0, results
    assert codes[1] in (0, BUSY_EXIT), results
    errors = "".join(err for _, _, err in results)
    assert "UNIQUE constraint" not in errors
    if codes[1] == BUSY_EXIT:
        holder = next(r.pid for r, (code, _, _) in zip(runs, results, strict=True) if code == 0)
        assert f"being processed by pid {holder} on" in errors
    reports = {out.strip() for code, out, _ in results if code == 0}
    assert len(reports) == 1 and len(daemon.reports()) == 1
    counts = json.loads(daemon.cli("status", "--json").stdout)["counts"]
    assert (counts["done"], counts["failed"]) == (1, 0)
    events = daemon.chunk_events()
    assert sorted(events) == list(range(len(events)))  # no chunk transcribed twice


def test_a_lease_left_by_a_killed_process_is_taken_over_at_once(tmp_path: Path) -> None:
    daemon = Daemon(
        tmp_path, MINUTES_CHUNKING__MAX_SECONDS="10", MINUTES_CHUNKING__SEARCH_SECONDS="5"
    )
    clip = Path(shutil.copy(FIXTURES / "meeting.flac", tmp_path / "meeting.flac"))
    env = dict(daemon.env, MINUTES_FAILPOINT="after:chunk")
    killed = subprocess.run(
        [sys.executable, "-m", "daemon", "process", str(clip)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert killed.returncode == -9
    again = daemon.cli("process", str(clip))
    assert again.returncode == 0, again.stderr
    assert len(daemon.reports()) == 1
    assert os.path.exists(again.stdout.strip())
