"""Shared fixtures. All real: the embedded model, SQLite, files, watchdog, subprocesses."""

from __future__ import annotations

import os
import shutil
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from daemon.config import Settings, load_settings
from daemon.ledger import Ledger
from daemon.sections import TranscriberSettings
from daemon.transcribe.local import LocalTranscriber

FIXTURES = Path(__file__).parent / "fixtures"
RATE = 16_000


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's config, environment overrides or working directory."""
    for name in list(os.environ):
        if name.startswith("MINUTES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_settings(tmp_path: Path) -> Any:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "inbox": tmp_path / "inbox",
            "outbox": tmp_path / "outbox",
            "archive": tmp_path / "archive",
            "failed": tmp_path / "failed",
            "state_dir": tmp_path / "state",
            "stability_delay": 0.5,
        }
        values.update(overrides)
        return load_settings(None, values)

    return make


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    return make_settings()  # type: ignore[no-any-return]


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger(settings.database) as opened:
        yield opened


@pytest.fixture(scope="session")
def transcriber() -> LocalTranscriber:
    """The real embedded model, loaded once for the session."""
    local = LocalTranscriber(TranscriberSettings())
    local.load()
    return local


@pytest.fixture
def hello_clip(tmp_path: Path) -> Path:
    return _copy(FIXTURES / "hello.flac", tmp_path / "clips")


@pytest.fixture
def meeting_clip(tmp_path: Path) -> Path:
    return _copy(FIXTURES / "meeting.flac", tmp_path / "clips")


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / source.name))


def fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text()


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """Write int16 mono 16 kHz samples as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.astype(np.int16).tobytes())
    return path


def tone(seconds: float, freq: float = 220.0, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    # A little noise keeps the signal from looking like digital silence anywhere.
    rng = np.random.default_rng(int(freq))
    signal = amplitude * np.sin(2 * np.pi * freq * t) + rng.normal(0, 300, t.size)
    return signal.astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def words(text: str) -> list[str]:
    return "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(len(ref), 1)
