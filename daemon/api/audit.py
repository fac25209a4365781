"""The audit trail: ``audit.jsonl`` in ``state_dir``, one hash-chained JSON line per remote call.

A line is the record's JSON (sorted keys, no spaces, UTF-8) with ``"hash"`` appended last: the
SHA-256 of the line's bytes before it (the JSON with its closing brace). Each record's ``prev``
is the previous record's ``hash`` and its ``seq`` the previous ``seq`` plus one; the first
record ever chains to ``GENESIS`` (64 zeros). Editing any byte of a line breaks its own hash,
removing or reordering lines breaks ``prev`` of the line after. Hashes are over bytes, not parsed
values, so even an edit JSON would not see (a space, an escape) is caught. Without a secret key
the chain proves that nothing was changed *unless* someone rewrote every hash after the change:
keep the head hash ``minutes audit verify`` prints somewhere else to rule that out too, and the
loss of the last lines can only be seen against such a copy.

Writes: under ``flock`` on ``audit.lock`` (two ``minutes process`` may share a state dir) the
writer reads the last record's hash, then appends the new line with one ``os.write`` on an
``O_APPEND`` descriptor and ``fsync``s it. A kill before the write loses the record, a kill after
it loses nothing; a line is never half there. Past ``[audit] max_file_mb`` the file is renamed
``audit.<n>.jsonl`` (n = 1, 2, ...) and the next record, the first of a new ``audit.jsonl``,
chains to the last of the old: ``verify`` walks ``audit.1.jsonl``, ``audit.2.jsonl``, ...,
``audit.jsonl`` as one chain.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from daemon import failpoints
from daemon.errors import AuditError
from daemon.sections_ops import AuditSettings

log = logging.getLogger("daemon.api.audit")

GENESIS = "0" * 64
CURRENT = "audit.jsonl"
LOCK = "audit.lock"
FAILPOINT = "before:audit"  # a crash test's kill between a call and its record
_ROTATED = re.compile(r"^audit\.(\d+)\.jsonl$")
_HASH_AT_END = re.compile(rb',"hash":"([0-9a-f]{64})"\}$')
_CHAIN_KEYS = frozenset({"seq", "at", "prev", "hash"})


def encode(record: dict[str, Any]) -> tuple[bytes, str]:
    """The line for ``record`` (without its newline) and the record's hash."""
    body = json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    return body[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}', digest


def decode(line: bytes) -> dict[str, Any]:
    """The record a line holds, its hash checked; ``ValueError`` saying what is wrong."""
    match = _HASH_AT_END.search(line)
    if match is None:
        raise ValueError("no record hash at the end of the line")
    body = line[: match.start()] + b"}"
    digest = match.group(1).decode("ascii")
    if hashlib.sha256(body).hexdigest() != digest:
        raise ValueError("the record's hash does not match its contents (the line was edited)")
    try:
        record = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a JSON record ({exc})") from exc
    if not isinstance(record, dict) or "hash" in record:
        raise ValueError("not an audit record")
    record["hash"] = digest
    return record


def audit_files(folder: Path) -> list[Path]:
    """The trail's files in chain order: rotated ones by number, then ``audit.jsonl``."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    rotated = sorted((int(m.group(1)), n) for n in names if (m := _ROTATED.match(n)))
    current = [folder / CURRENT] if CURRENT in names else []
    return [folder / name for _, name in rotated] + current


@contextmanager
def locked(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold ``audit.lock``: exclusively to append or rotate, shared to read a consistent trail.

    A reader creates nothing: without a lock file no writer has been at work there (a trail
    copied elsewhere to be checked, a folder it may not write to), so it reads unlocked.
    """
    if exclusive:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    else:
        try:
            fd = os.open(folder / LOCK, os.O_RDONLY)
        except OSError:
            yield
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class AuditLog:
    """Appends records to the trail in ``folder`` (the state dir)."""

    def __init__(self, folder: Path, settings: AuditSettings) -> None:
        self.folder = folder
        self.settings = settings
        self._max_bytes = max(1, int(settings.max_file_mb * 2**20))
        self._lock = threading.Lock()

    @property
    def bodies(self) -> bool:
        return self.settings.bodies

    def append(self, fields: dict[str, Any]) -> str:
        """Chain ``fields`` to the trail, durably; return the new record's hash."""
        clash = _CHAIN_KEYS & fields.keys()
        assert not clash, f"audit fields may not set {sorted(clash)}"
        try:
            with self._lock, locked(self.folder, exclusive=True):
                return self._append(fields)
        except OSError as exc:
            raise AuditError(f"cannot write the audit record: {exc.strerror or exc}") from exc

    def _append(self, fields: dict[str, Any]) -> str:
        prev, seq = head(self.folder)
        at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        line, digest = encode({**fields, "seq": seq + 1, "at": at, "prev": prev})
        current = self.folder / CURRENT
        size = current.stat().st_size if current.exists() else 0
        if size and size + len(line) + 1 > self._max_bytes:
            self._rotate(current)
            size = 0
        data = line + b"\n"
        if size and not _ends_with_newline(current):
            # A torn last line (power lost mid-write): the new record starts a line of its own,
            # and verify reports the torn one.
            data = b"\n" + data
        failpoints.reached(FAILPOINT)
        fd = os.open(current, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            written = os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if written != len(data):
            raise AuditError(f"short write ({written} of {len(data)} bytes)", path=current)
        if size == 0:
            _fsync_folder(self.folder)  # the new file's name must survive a crash too
        return digest

    def _rotate(self, current: Path) -> None:
        numbers = [
            int(m.group(1)) for p in audit_files(self.folder) if (m := _ROTATED.match(p.name))
        ]
        target = self.folder / f"audit.{max(numbers, default=0) + 1}.jsonl"
        os.rename(current, target)
        _fsync_folder(self.folder)
        log.info("audit trail rotated to %s; the chain continues in %s", target.name, CURRENT)


def head(folder: Path) -> tuple[str, int]:
    """The hash and sequence number of the trail's last readable record; genesis when none."""
    for path in reversed(audit_files(folder)):
        for line in _lines_backward(path):
            if not line:
                continue
            try:
                record = decode(line)
                return str(record["hash"]), int(record["seq"])
            except (ValueError, KeyError, TypeError):
                log.error("%s: a damaged line at the end; run `minutes audit verify`", path.name)
    return GENESIS, 0


@dataclass(frozen=True)
class Verified:
    records: int
    files: tuple[Path, ...]
    head: str


def verify(folder: Path) -> Verified:
    """Check the whole chain; raise ``AuditError`` naming the first bad line."""
    prev, seq = GENESIS, 0
    with locked(folder, exclusive=False):
        files = audit_files(folder)
        for path in files:
            with path.open("rb") as handle:
                for number, raw in enumerate(handle, start=1):
                    record = _checked(raw, path, number, prev, seq)
                    prev, seq = record["hash"], record["seq"]
    return Verified(records=seq, files=tuple(files), head=prev)


def _checked(raw: bytes, path: Path, number: int, prev: str, seq: int) -> dict[str, Any]:
    if not raw.endswith(b"\n"):
        raise AuditError("the line is incomplete (a write was cut off)", path=path, line=number)
    try:
        record = decode(raw[:-1])
    except ValueError as exc:
        raise AuditError(str(exc), path=path, line=number) from exc
    if record.get("prev") != prev:
        raise AuditError(
            "does not chain to the record before it (a line was removed, moved or edited)",
            path=path, line=number,
        )  # fmt: skip
    if record.get("seq") != seq + 1:
        raise AuditError(
            f"sequence number {record.get('seq')!r} where {seq + 1} was expected",
            path=path, line=number,
        )  # fmt: skip
    return record


def read_records(folder: Path) -> Iterator[dict[str, Any]]:
    """Every record in order, without checking the chain (``verify`` does); bad lines skipped."""
    with locked(folder, exclusive=False):
        files = audit_files(folder)
        lines = [(p, raw) for p in files for raw in p.read_bytes().split(b"\n") if raw]
    for path, raw in lines:
        try:
            yield decode(raw)
        except ValueError as exc:
            log.warning("%s: skipping a bad line (%s); run `minutes audit verify`", path.name, exc)


def _lines_backward(path: Path, block: int = 1 << 16) -> Iterator[bytes]:
    """The lines of ``path`` from the last to the first (an empty one after a final newline)."""
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        rest = b""
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            rest = handle.read(end - start) + rest
            end = start
            lines = rest.split(b"\n")
            rest = lines[0]  # may continue further back
            yield from reversed(lines[1:])
        yield rest


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
