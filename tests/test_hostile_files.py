"""Hostile inbox entries (issue 8): FIFOs, devices, symbolic links, over-long names.

Everything is real: FIFOs made with ``mkfifo``, links on disk, names the file system takes at
its limit, and daemons as subprocesses. A call that would block on a FIFO runs in a thread that
must come back within seconds, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from conftest import FIXTURES
from test_daemon import Daemon, wait_until

from daemon.assembly import pipeline_for
from daemon.config import Settings
from daemon.errors import InputError
from daemon.files import (
    atomic_write_text,
    check_regular,
    display_name,
    move_unique,
    name_max,
    sha256_file,
    sidecar_path,
    unique_path,
)
from daemon.ledger import Ledger
from daemon.transcribe.local import LocalTranscriber

T = TypeVar("T")


# Not wired yet: these need daemon/pipeline.py to call files.check_regular and
# files.sidecar_path (see the issue 8 report). strict: they fail loudly once they pass.
def returns_within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``, run in a thread that must finish within ``seconds`` (a FIFO would block)."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed back to the test below
            error.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if error:
        raise error[0]
    return result[0]


def refusal(call: Callable[[], object]) -> str:
    """The reason of the InputError that ``call`` raises, promptly."""
    with pytest.raises(InputError) as caught:
        returns_within(5, call)
    return caught.value.reason


def long_name(size: int, extension: str = ".mp3") -> str:
    """A name of exactly ``size`` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters."""
    cycle = ["é", "会", "🎙", "a", " "]
    name = ""
    while len((name + extension).encode()) + 4 <= size:
        name += cycle[len(name) % len(cycle)]
    name += "x" * (size - len((name + extension).encode()))
    assert len((name + extension).encode()) == size
    return name + extension


def assert_fits(folder: Path) -> None:
    limit = name_max(folder)
    for entry in os.listdir(folder):
        assert len(os.fsencode(entry)) <= limit
        os.fsencode(entry).decode("utf-8")  # strict: no character was cut in half


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


# Non-regular files and symbolic links -----------------------------------------------------------


def test_a_fifo_is_refused_by_check_and_by_hashing_without_blocking(inbox: Path) -> None:
    fifo = inbox / "x.wav"
    os.mkfifo(fifo)
    assert "named pipe" in refusal(lambda: check_regular(fifo, inbox))
    assert "named pipe" in refusal(lambda: sha256_file(fifo))


def test_devices_are_refused_without_being_read() -> None:
    for device in (Path("/dev/zero"), Path("/dev/null")):
        assert "device" in refusal(partial(check_regular, device, None))
        assert "device" in refusal(partial(sha256_file, device))  # /dev/zero would never end


def test_a_folder_is_refused_as_a_folder_and_a_missing_file_is_not_found(inbox: Path) -> None:
    (inbox / "x.wav").mkdir()
    reason = refusal(lambda: check_regular(inbox / "x.wav", inbox))
    assert reason == "is a folder, not an audio file"
    with pytest.raises(FileNotFoundError):
        check_regular(inbox / "gone.wav", inbox)


def test_a_regular_file_is_checked_and_hashed(inbox: Path) -> None:
    recording = Path(shutil.copy(FIXTURES / "hello.flac", inbox / "hello.flac"))
    assert check_regular(recording, inbox) == recording
    assert sha256_file(recording) == sha256_file(FIXTURES / "hello.flac")


def test_a_link_inside_the_inbox_is_followed_to_its_regular_target(inbox: Path) -> None:
    (inbox / "sub").mkdir()
    target = Path(shutil.copy(FIXTURES / "hello.flac", inbox / "sub" / "real.flac"))
    link = inbox / "link.flac"
    link.symlink_to(Path("sub") / "real.flac")
    assert check_regular(link, inbox) == target.resolve()


def test_a_link_out_of_the_inbox_is_refused_and_never_opened(inbox: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.wav"
    secret.parent.mkdir()
    secret.write_bytes(b"not yours")
    for name, target in (("passwd.wav", Path("/etc/passwd")), ("secret.wav", secret)):
        link = inbox / name
        link.symlink_to(target)
        assert "out of the inbox" in refusal(partial(check_regular, link, inbox))
        # Even a caller that skips the check cannot hash through a link.
        assert "symbolic link" in refusal(partial(sha256_file, link))
    # Named on the command line (no root), a link is the user's own choice and is followed.
    assert check_regular(inbox / "secret.wav", None) == secret.resolve()


def test_a_file_reached_through_a_folder_linked_out_of_the_inbox_is_refused(
    inbox: Path, tmp_path: Path
) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "private.wav").write_bytes(b"not yours")
    (inbox / "linked").symlink_to(tmp_path / "home")
    reason = refusal(lambda: check_regular(inbox / "linked" / "private.wav", inbox))
    assert "linked folder out of the inbox" in reason


def test_dangling_links_and_links_to_fifos_are_refused(inbox: Path) -> None:
    os.mkfifo(inbox / "pipe")
    (inbox / "to-pipe.wav").symlink_to("pipe")
    (inbox / "dangling.wav").symlink_to("nothing-here.wav")
    (inbox / "loop.wav").symlink_to("loop.wav")
    assert "named pipe" in refusal(lambda: check_regular(inbox / "to-pipe.wav", inbox))
    assert "to nothing readable" in refusal(lambda: check_regular(inbox / "dangling.wav", inbox))
    assert "to nothing readable" in refusal(lambda: check_regular(inbox / "loop.wav", inbox))


def test_a_fifo_is_moved_by_renaming_it_never_by_opening_it(inbox: Path, tmp_path: Path) -> None:
    os.mkfifo(inbox / "x.wav")
    moved = returns_within(5, lambda: move_unique(inbox / "x.wav", tmp_path / "failed"))
    assert moved == tmp_path / "failed" / "x.wav"
    assert stat.S_ISFIFO(os.lstat(moved).st_mode)


# Long names --------------------------------------------------------------------------------------


def file_as_failed(source: Path, failed: Path, reason: str) -> Path:
    """What the pipeline does with a failed inbox file: move it aside, the reason beside it."""
    target = move_unique(source, failed)
    atomic_write_text(sidecar_path(target, ".error.txt"), reason)
    return target


@pytest.mark.parametrize("size", range(232, 256))
def test_a_failed_file_with_a_name_of_232_to_255_bytes_is_filed_with_its_error_text(
    inbox: Path, tmp_path: Path, size: int
) -> None:
    failed = tmp_path / "failed"
    source = inbox / long_name(size)
    source.write_bytes(b"noise")
    target = file_as_failed(source, failed, "not a readable audio file")
    assert target == failed / source.name  # the name itself fits, so it is kept
    error = sidecar_path(target, ".error.txt")
    assert error.read_text() == "not a readable audio file"
    assert error.name.endswith(".mp3.error.txt")
    assert sorted(os.listdir(failed)) == sorted([target.name, error.name])  # no stray temp file
    assert_fits(failed)


def test_long_named_files_failing_one_after_another_each_keep_their_own_error_text(
    inbox: Path, tmp_path: Path
) -> None:
    failed = tmp_path / "failed"
    name = long_name(255)
    targets = []
    for attempt in range(3):
        (inbox / name).write_bytes(f"attempt {attempt}".encode())
        targets.append(file_as_failed(inbox / name, failed, f"reason {attempt}"))
    assert len(set(targets)) == 3
    for attempt, target in enumerate(targets):
        assert target.read_bytes() == f"attempt {attempt}".encode()
        assert target.suffix == ".mp3"
        assert sidecar_path(target, ".error.txt").read_text() == f"reason {attempt}"
    assert len(os.listdir(failed)) == 6
    assert_fits(failed)


def test_unique_path_numbers_a_taken_long_name_within_the_limit(tmp_path: Path) -> None:
    name = long_name(255, ".wav")
    (tmp_path / name).touch()
    second = unique_path(tmp_path, name)
    second.touch()
    third = unique_path(tmp_path, name)
    assert len({tmp_path / name, second, third}) == 3
    assert second.suffix == third.suffix == ".wav"
    assert_fits(tmp_path)


def test_an_atomic_write_to_a_name_at_the_limit_succeeds_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / long_name(255, ".md")
    atomic_write_text(path, "report")
    assert path.read_text() == "report"
    assert os.listdir(tmp_path) == [path.name]


# Names in log lines ------------------------------------------------------------------------------


def test_display_name_escapes_control_characters_and_keeps_the_rest() -> None:
    assert display_name("standup\n2026-03-11 ERROR forged.wav") == (
        "standup\\n2026-03-11 ERROR forged.wav"
    )
    controls = "a\tb\rc\x1b[31md\x7fe\u2028f.wav"
    assert display_name(controls) == "a\\tb\\rc\\x1b[31md\\x7fe\\u2028f.wav"
    assert display_name(Path("/inbox/réunion 会议 🎙.m4a")) == "réunion 会议 🎙.m4a"
    assert display_name(os.fsdecode(b"bad\xff.wav")) == "bad\\udcff.wav"
    assert display_name("back\\slash.wav") == "back\\\\slash.wav"


# The pipeline (needs the wiring described in the report) -----------------------------------------


@pytest.fixture
def pipeline_settings(settings: Settings) -> Settings:
    settings.inbox.mkdir(parents=True)
    return settings


def test_the_pipeline_fails_a_fifo_in_the_inbox_without_blocking(
    pipeline_settings: Settings, ledger: Ledger, transcriber: LocalTranscriber
) -> None:
    settings = pipeline_settings
    os.mkfifo(settings.inbox / "x.wav")
    pipeline = pipeline_for(settings, ledger, transcriber)
    outcome = returns_within(10, lambda: pipeline.submit(settings.inbox / "x.wav", from_inbox=True))
    assert outcome.state == "failed" and "not a regular file" in (outcome.reason or "")
    assert stat.S_ISFIFO(os.lstat(settings.failed / "x.wav").st_mode)
    assert "not a regular file" in (settings.failed / "x.wav.error.txt").read_text()


def test_the_pipeline_fails_a_link_out_of_the_inbox_without_hashing_it(
    pipeline_settings: Settings, ledger: Ledger, transcriber: LocalTranscriber
) -> None:
    settings = pipeline_settings
    (settings.inbox / "passwd.wav").symlink_to("/etc/passwd")
    pipeline = pipeline_for(settings, ledger, transcriber)
    outcome = pipeline.submit(settings.inbox / "passwd.wav", from_inbox=True)
    assert outcome.state == "failed" and "out of the inbox" in (outcome.reason or "")
    assert all(row.sha256 is None for row in ledger.recordings(("failed",)))
    assert (settings.failed / "passwd.wav").is_symlink()  # the link moved, not its target


def test_the_pipeline_files_a_long_named_failure_twice_with_both_error_texts(
    pipeline_settings: Settings, ledger: Ledger, transcriber: LocalTranscriber
) -> None:
    settings = pipeline_settings
    pipeline = pipeline_for(settings, ledger, transcriber)
    name = long_name(250)
    for seed in (1, 2):  # different bytes, so the second is not a duplicate of the first
        (settings.inbox / name).write_bytes(np.random.default_rng(seed).bytes(40_000))
        outcome = pipeline.submit(settings.inbox / name, from_inbox=True)
        assert outcome.state == "failed"
    errors = [p for p in settings.failed.iterdir() if p.name.endswith(".error.txt")]
    assert len(errors) == 2
    assert all("not a readable audio" in p.read_text() for p in errors)
    assert_fits(settings.failed)


# The daemon and the CLI as subprocesses ----------------------------------------------------------


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon(tmp_path)
    (tmp_path / "inbox").mkdir()
    yield running
    if running.process is not None and running.process.poll() is None:
        running.process.kill()
        running.process.wait()


@pytest.mark.slow
def test_a_fifo_in_the_inbox_neither_wedges_the_daemon_nor_its_restart(daemon: Daemon) -> None:
    inbox = daemon.root / "inbox"
    os.mkfifo(inbox / "x.wav")
    shutil.copy(FIXTURES / "hello.flac", inbox / "good.flac")
    daemon.start()
    wait_until(daemon.reports, 90, "the good recording's report")
    wait_until(lambda: (daemon.root / "failed" / "x.wav.error.txt").exists(), 10, "the FIFO filed")
    assert stat.S_ISFIFO(os.lstat(daemon.root / "failed" / "x.wav").st_mode)
    assert "not a regular file" in (daemon.root / "failed" / "x.wav.error.txt").read_text()
    assert daemon.stop(signal.SIGTERM, timeout=10) == 0

    os.mkfifo(inbox / "y.wav")  # present at start-up this time
    daemon.start()
    wait_until(lambda: (daemon.root / "failed" / "y.wav.error.txt").exists(), 60, "y.wav filed")
    assert daemon.stop(signal.SIGTERM, timeout=10) == 0


@pytest.mark.slow
def test_process_on_a_fifo_exits_promptly_with_an_error_line(daemon: Daemon) -> None:
    fifo = daemon.root / "fifo.wav"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "process", str(fifo)], env=daemon.env, cwd=daemon.root,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("minutes: error: fifo.wav: ") and "not a regular file" in last
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # left where it was


@pytest.mark.slow
def test_a_failing_long_named_file_does_not_stop_a_good_file_behind_it(daemon: Daemon) -> None:
    inbox = daemon.root / "inbox"
    name = long_name(255)
    (inbox / name).write_bytes(np.random.default_rng(7).bytes(40_000))
    daemon.start()
    wait_until(lambda: (daemon.root / "failed" / name).exists(), 60, "the long name in failed/")
    shutil.copy(FIXTURES / "hello.flac", inbox / "good.flac")
    wait_until(daemon.reports, 90, "the good recording's report")
    assert daemon.process is not None and daemon.process.poll() is None
    assert daemon.stop(signal.SIGTERM, timeout=10) == 0
    assert "Traceback" not in daemon.log()
