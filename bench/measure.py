"""Measure one command in a fresh process: wall time, CPU time and peak memory.

The benchmark starts ``python bench/bench_transcribe.py _measure --out FILE -- CMD...`` for every
run. That wrapper process starts CMD, waits for it and reads ``RUSAGE_CHILDREN``: because the
wrapper is new each time, ``ru_maxrss`` covers exactly one run and nothing the benchmark itself
did before. ``ru_maxrss`` is the peak of the largest single process in the tree (KiB on Linux);
a design that spreads work over several live processes would hide memory from it, so the wrapper
also samples the summed RSS of the whole process tree from /proc every 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SAMPLE_INTERVAL_S = 0.1
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Measurement:
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_kib: int
    tree_peak_rss_kib: int


def measure(cmd: Sequence[str]) -> Measurement:
    """Run ``cmd`` (stdout/stderr inherited) and measure it; call once per fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd))
    tree_peak = 0
    while True:
        try:
            returncode = proc.wait(timeout=SAMPLE_INTERVAL_S)
            break
        except subprocess.TimeoutExpired:
            tree_peak = max(tree_peak, tree_rss_kib(proc.pid))
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measurement(
        returncode=returncode,
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_kib=usage.ru_maxrss,
        tree_peak_rss_kib=tree_peak,
    )


def tree_rss_kib(pid: int) -> int:
    """Summed resident memory of ``pid`` and its descendants; 0 where /proc cannot tell."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            resident_pages = int(Path(f"/proc/{current}/statm").read_text().split()[1])
            pending.extend(_children(current))
        except (OSError, ValueError, IndexError):
            continue  # the process ended between two reads
        total += resident_pages * _PAGE_KIB
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def main(argv: Sequence[str]) -> int:
    """Entry point of the ``_measure`` subcommand; exits with the command's own exit code."""
    parser = argparse.ArgumentParser(prog="bench_transcribe.py _measure")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON result")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given")
    result = measure(cmd)
    args.out.write_text(json.dumps(asdict(result)) + "\n", encoding="utf-8")
    return result.returncode


def read(path: Path) -> Measurement:
    return Measurement(**json.loads(path.read_text(encoding="utf-8")))


def wrapper_command(script: Path, out: Path, cmd: Sequence[str]) -> list[str]:
    """The command line that measures ``cmd`` in a fresh wrapper process."""
    return [sys.executable, str(script), "_measure", "--out", str(out), "--", *cmd]
