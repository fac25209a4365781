"""The inbox watcher with real watchdog events on real files."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon.config import Settings
from daemon.watch import InboxFilter, InboxWatcher, StabilityTracker


class Collected:
    def __init__(self) -> None:
        self.paths: list[tuple[Path, float, int]] = []
        self.lock = threading.Lock()

    def __call__(self, path: Path) -> None:
        size = path.stat().st_size if path.is_file() else -1
        with self.lock:
            self.paths.append((path, time.monotonic(), size))

    def names(self) -> list[str]:
        with self.lock:
            return [p.name for p, _, _ in self.paths]

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.paths) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture(params=["native", "polling"])
def watched(
    request: pytest.FixtureRequest, make_settings: Any
) -> Iterator[tuple[Settings, Collected]]:
    settings: Settings = make_settings(
        stability_delay=0.6, polling=request.param == "polling", polling_interval=0.2
    )
    settings.inbox.mkdir(parents=True)
    collected = Collected()
    watcher = InboxWatcher(settings, collected)
    watcher.start()
    assert watcher.kind == request.param
    try:
        yield settings, collected
    finally:
        watcher.stop()


def test_a_file_copied_slowly_is_taken_once_after_the_copy_ends(
    watched: tuple[Settings, Collected],
) -> None:
    settings, collected = watched
    target = settings.inbox / "slow.m4a"
    with target.open("wb") as handle:
        for _ in range(12):  # about three seconds, with pauses shorter than the delay
            handle.write(os.urandom(10_000))
            handle.flush()
            time.sleep(0.25)
    finished = time.monotonic()
    collected.wait_for(1)
    time.sleep(1.5)  # and nothing more arrives later
    assert collected.names() == ["slow.m4a"]
    _, when, size = collected.paths[0]
    assert when >= finished
    assert size == 120_000


def test_a_file_renamed_into_the_inbox_is_taken(
    watched: tuple[Settings, Collected], tmp_path: Path
) -> None:
    settings, collected = watched
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(b"RIFF" + os.urandom(1000))
    os.rename(outside, settings.inbox / "moved-in.wav")
    collected.wait_for(1)
    assert collected.names() == ["moved-in.wav"]


def test_a_partial_download_is_taken_under_its_final_name(
    watched: tuple[Settings, Collected],
) -> None:
    settings, collected = watched
    partial = settings.inbox / "call.mp3.part"
    partial.write_bytes(os.urandom(5000))
    time.sleep(0.3)
    os.rename(partial, settings.inbox / "call.mp3")
    collected.wait_for(1)
    time.sleep(1.0)
    assert collected.names() == ["call.mp3"]


def test_files_in_subfolders_are_taken(watched: tuple[Settings, Collected]) -> None:
    settings, collected = watched
    (settings.inbox / "2026" / "march").mkdir(parents=True)
    (settings.inbox / "2026" / "march" / "standup.flac").write_bytes(os.urandom(2000))
    collected.wait_for(1)
    assert collected.names() == ["standup.flac"]


def test_ignored_and_foreign_files_are_never_taken(watched: tuple[Settings, Collected]) -> None:
    settings, collected = watched
    for name in (
        ".hidden.wav", "notes.txt", "x.wav.crdownload", "x.wav.tmp", "~$meeting.wav",
        ".syncthing.meeting.wav.tmp", "._meeting.wav", "meeting.wav.part",
    ):  # fmt: skip
        (settings.inbox / name).write_bytes(b"data")
    (settings.inbox / "real.WAV").write_bytes(b"data")
    collected.wait_for(1)
    time.sleep(1.5)
    assert collected.names() == ["real.WAV"]


def test_files_present_before_the_start_are_found_by_the_start_up_scan(make_settings: Any) -> None:
    settings: Settings = make_settings(stability_delay=0.3)
    (settings.inbox / "sub").mkdir(parents=True)
    (settings.inbox / "before.ogg").write_bytes(b"x")
    (settings.inbox / "sub" / "nested.opus").write_bytes(b"x")
    collected = Collected()
    watcher = InboxWatcher(settings, collected)
    watcher.start()
    try:
        collected.wait_for(2)
    finally:
        watcher.stop()
    assert sorted(collected.names()) == ["before.ogg", "nested.opus"]


def test_the_periodic_rescan_finds_what_events_missed(make_settings: Any) -> None:
    settings: Settings = make_settings(stability_delay=0.2, rescan_interval=0.5)
    settings.inbox.mkdir(parents=True)
    collected = Collected()
    watcher = InboxWatcher(settings, collected)
    watcher.start()
    try:
        assert watcher.observer is not None
        watcher.observer.stop()  # type: ignore[attr-defined]
        watcher.observer.join()  # type: ignore[attr-defined]
        (settings.inbox / "missed.wav").write_bytes(b"x")
        collected.wait_for(1, timeout=5)
    finally:
        watcher.stop()
    assert collected.names() == ["missed.wav"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_stability_needs_a_quiet_delay_and_two_equal_readings(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(5.0, clock)
    path = tmp_path / "a.wav"
    path.write_bytes(b"1")
    tracker.touch(path)
    clock.now = 4.9
    assert tracker.stable() == []  # not quiet long enough
    clock.now = 5.0
    assert tracker.stable() == []  # first reading only
    path.write_bytes(b"12")
    clock.now = 10.0
    assert tracker.stable() == []  # changed since the first reading
    clock.now = 15.0
    assert tracker.stable() == [path]
    assert len(tracker) == 0


def test_the_filter_takes_audio_and_folders_named_like_audio_only(tmp_path: Path) -> None:
    accept = InboxFilter(tmp_path, frozenset({"wav", "m4a"}), (".*", "*.part"))
    assert accept(tmp_path / "a.wav")
    assert accept(tmp_path / "sub" / "b.M4A")
    assert not accept(tmp_path / ".cache" / "c.wav")
    assert not accept(tmp_path / "d.txt")
    assert not accept(tmp_path.parent / "outside.wav")


def test_stopping_the_watcher_never_logs_a_watchdog_error(
    make_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 8: about half of clean shutdowns logged "queue_events() called when the thread is
    inactive" from watchdog's inotify thread; events in flight at the stop are the trigger."""
    settings: Settings = make_settings(stability_delay=0.2)
    settings.inbox.mkdir(parents=True)
    caplog.set_level(logging.DEBUG, logger="watchdog")
    for attempt in range(30):
        watcher = InboxWatcher(settings, Collected())
        watcher.start()
        if attempt % 2:  # events still arriving when the stop comes
            (settings.inbox / f"{attempt}.wav").write_bytes(b"x")
        watcher.stop()
        assert watcher.observer is not None and not watcher.observer.is_alive()  # type: ignore[attr-defined]
    errors = [
        r for r in caplog.records if r.name.startswith("watchdog") and r.levelno >= logging.ERROR
    ]
    assert errors == []


def test_a_fifo_in_the_inbox_is_handed_on_without_blocking_the_watcher(
    watched: tuple[Settings, Collected],
) -> None:
    """Issue 8: the watcher only stats; the pipeline refuses the FIFO and files it away."""
    settings, collected = watched
    os.mkfifo(settings.inbox / "x.wav")
    collected.wait_for(1)
    (settings.inbox / "after.wav").write_bytes(b"data")
    collected.wait_for(2)
    assert sorted(collected.names()) == ["after.wav", "x.wav"]


def test_a_name_with_a_newline_is_logged_on_one_line(
    watched: tuple[Settings, Collected], caplog: pytest.LogCaptureFixture
) -> None:
    settings, collected = watched
    caplog.set_level(logging.DEBUG, logger="daemon.watch")
    (settings.inbox / "standup\n2026-03-11 ERROR forged.wav").write_bytes(b"data")
    collected.wait_for(1)
    messages = [r.getMessage() for r in caplog.records if r.name == "daemon.watch"]
    assert any("standup\\n2026-03-11 ERROR forged.wav" in m for m in messages), messages
    assert not any("\n" in m for m in messages)
