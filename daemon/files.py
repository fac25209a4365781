"""File operations on names and files we do not control: atomic writes, collision-free moves,
names that fit the file system, and reads that can never block.

The inbox holds whatever a user, a sync client or an attacker put there (issue 8):

- **Only regular files are opened.** A FIFO named ``x.wav`` blocks its reader forever, a device
  may too, and a symbolic link to ``/etc/passwd`` must not be read. ``check_regular`` decides
  with ``lstat``/``stat`` alone; ``sha256_file`` opens with ``O_NONBLOCK | O_NOFOLLOW`` and checks
  the open descriptor, so a file swapped in between the check and the read cannot block either.
- **Symbolic links** are followed only to a regular file inside ``root`` (the inbox), never out.
- **Derived names fit.** ``x.wav.error.txt``, ``x-2.wav`` and ``.x.wav.1a2b3c4d.tmp`` are longer
  than ``x.wav``; a 250-byte source name would make them fail with "File name too long". Each is
  cut to the folder's limit in UTF-8 bytes, on a character boundary, keeping the extension, and a
  cut name carries a short hash of the full one so two long names never collapse into one.
- **Names are logged escaped** (``display_name``): a newline in a file name must not forge a
  log line.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from daemon.errors import InputError

_HASH_BLOCK = 2**20
_DEFAULT_NAME_MAX = 255
# mkstemp's random part is 8 characters: ".<name>.<8>.tmp" is the name plus 14 bytes.
_TEMP_EXTRA = len(".") + len(".") + 8 + len(".tmp")
# Longer "extensions" are really part of the name ("notes.from the long meeting with...").
_MAX_KEPT_SUFFIX = 16
_HASH_MARK_LEN = 9  # "~" and 8 hex digits


def name_max(folder: Path) -> int:
    """The longest file name, in bytes, that ``folder``'s file system takes (usually 255)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):  # the folder does not exist yet, or no such limit is known
        return _DEFAULT_NAME_MAX
    return limit if limit > 0 else _DEFAULT_NAME_MAX


def _size(text: str) -> int:
    return len(os.fsencode(text))


def _cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` bytes, never half a character."""
    total = 0
    for index, char in enumerate(text):
        total += _size(char)
        if total > limit:
            return text[:index]
    return text


def fit_name(name: str, limit: int) -> str:
    """``name`` itself if it fits in ``limit`` bytes, else its stem cut to fit, extension kept.

    A cut name ends in ``~`` and 8 hex digits of the full name's hash, so names that differ only
    past the cut (``…-2.wav``, ``…-3.wav``) stay different.
    """
    if _size(name) <= limit:
        return name
    suffix = Path(name).suffix
    if _size(suffix) > _MAX_KEPT_SUFFIX or suffix == name:
        suffix = ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    mark = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    room = limit - _size(suffix) - _HASH_MARK_LEN
    if room < 1:
        raise ValueError(f"no name fits in {limit} bytes")
    return _cut(stem, room) + mark + suffix


def sidecar_path(target: Path, suffix: str) -> Path:
    """``target`` with ``suffix`` appended (``x.wav`` → ``x.wav.error.txt``), within the limit.

    The pipeline writes a failed recording's ``.error.txt`` here, and ``minutes retry`` must
    look for it here too, never at ``target.name + suffix``.
    """
    limit = name_max(target.parent) - _size(suffix)
    return target.with_name(fit_name(target.name, limit) + suffix)


def display_name(name: str | Path) -> str:
    """A name for a log line or a message: control and other unprintable characters escaped.

    Rendered like ``repr`` without the quotes (``a\\nb.wav``); backslashes are doubled so the
    rendering stays unambiguous. A ``Path`` is shown by its last component.
    """
    text = name.name if isinstance(name, Path) else name
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, fsync it, then rename over ``path``.

    A reader (a sync client, an editor, a digest) sees the old file or the new one, never a torn
    one, and a crash leaves at most a stray ``.tmp`` file that the watcher ignores.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = "." + fit_name(path.name, name_max(path.parent) - _TEMP_EXTRA) + "."
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
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
    """``folder/name``, or ``folder/stem-2.ext`` and so on when that is taken; always fits."""
    limit = name_max(folder)
    candidate = folder / fit_name(name, limit)
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / fit_name(f"{stem}-{number}{suffix}", limit)
        number += 1
    return candidate


def move_unique(source: Path, folder: Path) -> Path:
    """Move a file or folder into ``folder`` without overwriting anything there.

    A symbolic link is moved as the link; a FIFO or device is renamed, never opened (on one file
    system; across file systems only regular files and folders can be moved).
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, source.name)
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        kind = os.lstat(source).st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind) or stat.S_ISLNK(kind)):
            raise  # copying a pipe or a device would open it
        shutil.move(str(source), str(target))
    return target


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not an audio file"
    if stat.S_ISFIFO(mode):
        return "is not a regular file (a named pipe); it is never opened"
    if stat.S_ISSOCK(mode):
        return "is not a regular file (a socket); it is never opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is not a regular file (a device); it is never opened"
    return "is not a regular file; it is never opened"


def check_regular(path: Path, root: Path | None = None) -> Path:
    """The regular file ``path`` stands for, decided without opening anything.

    A symbolic link is resolved; its target must be a regular file and, when ``root`` is given
    (the inbox), lie inside ``root``: a link out of the inbox, or a file reached through a linked
    folder out of it, is refused, never read or hashed.
    Returns the resolved path, which is what to hash and read. Raises ``FileNotFoundError`` when
    ``path`` is gone, ``InputError`` for everything else.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from exc
    if not stat.S_ISLNK(info.st_mode):
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, _kind(info.st_mode))
        if root is not None and not path.resolve().is_relative_to(root.resolve()):
            raise InputError(path, "is reached through a linked folder out of the inbox")
        return path
    try:
        target = path.resolve(strict=True)
        info = os.stat(target)
    except (OSError, RuntimeError) as exc:  # dangling, a loop, or a folder we may not enter
        raise InputError(path, "is a symbolic link to nothing readable") from exc
    if root is not None and not target.is_relative_to(root.resolve()):
        raise InputError(path, "is a symbolic link out of the inbox; it is not followed")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "is a symbolic link to something that " + _kind(info.st_mode))
    return target


def sha256_file(path: Path) -> str:
    """The SHA-256 of a regular file; anything else is refused without blocking.

    ``O_NONBLOCK`` makes opening a FIFO return at once, ``O_NOFOLLOW`` refuses a symbolic link
    in the last component (pass ``check_regular``'s result), and ``fstat`` on the descriptor
    decides, so a file swapped in after ``check_regular`` is caught too.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "is a symbolic link; it is not followed here") from exc
        raise
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(path, _kind(mode))
        os.set_blocking(fd, True)
        digest = hashlib.sha256()
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
