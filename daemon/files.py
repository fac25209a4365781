"""File operations that must not leave half-done results: atomic writes and collision-free moves."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

_HASH_BLOCK = 2**20


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, fsync it, then rename over ``path``.

    A reader (a sync client, an editor, a digest) sees the old file or the new one, never a torn
    one, and a crash leaves at most a stray ``.tmp`` file that the watcher ignores.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-2.ext`` and so on when that is taken."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def move_unique(source: Path, folder: Path) -> Path:
    """Move a file or folder into ``folder`` without overwriting anything there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, source.name)
    shutil.move(str(source), str(target))
    return target


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
