"""The two systems under test, each run once per file in its own measured subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import measure

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
MEASURE_SCRIPT = BENCH_DIR / "bench_transcribe.py"
PLAIN_SCRIPT = BENCH_DIR / "plain_faster_whisper.py"
SYSTEMS = ("plain", "minutes")
_LOG_TAIL_CHARS = 2000


@dataclass(frozen=True)
class RunConfig:
    model_path: str
    beam_size: int
    threads: int
    language: str | None
    work_dir: Path
    minutes_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    measurement: measure.Measurement | None
    hypothesis: str | None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def run(system: str, audio: Path, config: RunConfig) -> RunResult:
    """Transcribe ``audio`` with ``system`` in a fresh measured process."""
    config.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{system}-", dir=config.work_dir) as tmp:
        workdir = Path(tmp)
        if system == "plain":
            return _run_plain(audio, config, workdir)
        if system == "minutes":
            return _run_minutes(audio, config, workdir)
    raise ValueError(f"unknown system {system!r}")


def _run_plain(audio: Path, config: RunConfig, workdir: Path) -> RunResult:
    out = workdir / "plain.json"
    cmd = [
        sys.executable, str(PLAIN_SCRIPT), str(audio), "--model", config.model_path,
        "--beam-size", str(config.beam_size), "--threads", str(config.threads), "--out", str(out),
    ]  # fmt: skip
    if config.language:
        cmd += ["--language", config.language]
    measurement, failure = _measured(cmd, workdir, dict(os.environ))
    if failure:
        return RunResult(measurement, None, failure)
    data = json.loads(out.read_text(encoding="utf-8"))
    details = {key: data[key] for key in ("load_s", "transcribe_s", "language")}
    return RunResult(measurement, str(data["text"]), details=details)


def _run_minutes(audio: Path, config: RunConfig, workdir: Path) -> RunResult:
    folders = {name: workdir / name for name in ("input", "inbox", "outbox", "state", "archive")}
    for folder in folders.values():
        folder.mkdir()
    # Minutes may archive, move or delete what it processed: give it a private name for the file
    # (a hard link when possible, else a copy) so the shared corpus is never touched.
    private = folders["input"] / audio.name
    _link_or_copy(audio, private)
    # An empty config file in the working directory shadows any user-level minutes.toml.
    (workdir / "minutes.toml").write_text("", encoding="utf-8")
    env = dict(os.environ) | _minutes_env(config, folders)
    command = minutes_command()
    if command[1:] == ["-m", "daemon"]:
        # Not installed yet: run the working tree (the run's cwd is its temp dir, not the repo).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    measurement, failure = _measured([*command, "process", str(private)], workdir, env)
    if failure:
        return RunResult(measurement, None, failure)
    try:
        report = _report_path(workdir)
        segments = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))["segments"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunResult(measurement, None, f"cannot read minutes output: {exc!r}")
    text = " ".join(str(seg["text"]).strip() for seg in segments)
    return RunResult(measurement, text, details={"report": report.name, "segments": len(segments)})


def _minutes_env(config: RunConfig, folders: Mapping[str, Path]) -> dict[str, str]:
    env = {
        "MINUTES_INBOX": str(folders["inbox"]),
        "MINUTES_OUTBOX": str(folders["outbox"]),
        "MINUTES_STATE_DIR": str(folders["state"]),
        "MINUTES_ARCHIVE": str(folders["archive"]),
        "MINUTES_AFTER_SUCCESS": "keep",
        "MINUTES_TRANSCRIBER__MODEL": config.model_path,
        "MINUTES_TRANSCRIBER__BEAM_SIZE": str(config.beam_size),
        "MINUTES_TRANSCRIBER__CPU_THREADS": str(config.threads),
        "MINUTES_TRANSCRIBER__COMPUTE_TYPE": "int8",
        "MINUTES_TRANSCRIBER__DEVICE": "cpu",
    }
    if config.language:
        env["MINUTES_TRANSCRIBER__LANGUAGE"] = config.language
    return env | dict(config.minutes_env)


def minutes_command() -> list[str]:
    """The installed ``minutes`` console script next to this interpreter, else ``-m daemon``."""
    script = Path(sys.executable).parent / "minutes"
    if script.exists():
        return [str(script)]
    found = shutil.which("minutes")
    return [found] if found else [sys.executable, "-m", "daemon"]


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _measured(
    cmd: Sequence[str], workdir: Path, env: dict[str, str]
) -> tuple[measure.Measurement | None, str | None]:
    """Run ``cmd`` under the measuring wrapper; stdout/stderr go to files in ``workdir``."""
    out = workdir / "measure.json"
    wrapped = measure.wrapper_command(MEASURE_SCRIPT, out, cmd)
    # cwd is the run's temp dir, not the repository: a minutes.toml or inbox/ there must not
    # leak into the run.
    with (workdir / "stdout.log").open("wb") as stdout, (workdir / "stderr.log").open("wb") as err:
        subprocess.run(wrapped, cwd=workdir, env=env, stdout=stdout, stderr=err, check=False)
    measurement = measure.read(out) if out.exists() else None
    if measurement is None or measurement.returncode != 0:
        code = measurement.returncode if measurement else "unknown"
        tail = _tail(workdir / "stderr.log")
        last = next((line for line in reversed(tail.splitlines()) if line.strip()), "")
        # First line for the table, the whole tail for the JSON.
        return measurement, f"exit code {code}: {last}\n{tail}"
    return measurement, None


def _report_path(workdir: Path) -> Path:
    """The last non-empty stdout line names the report; relative paths are from ``workdir``."""
    lines = [line.strip() for line in _read(workdir / "stdout.log").splitlines() if line.strip()]
    if not lines:
        raise ValueError("minutes printed nothing on stdout")
    report = Path(lines[-1])
    return report if report.is_absolute() else workdir / report


def _tail(path: Path) -> str:
    return _read(path)[-_LOG_TAIL_CHARS:]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
