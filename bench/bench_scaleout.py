"""Scale-out (issue 12): throughput with 1 and 2 Celery workers, broker overhead, Opus vs FLAC.

    python bench/bench_scaleout.py                 # all three, the full sizes (idle machine!)
    python bench/bench_scaleout.py --smoke         # a quick run that only shows it works
    python bench/bench_scaleout.py --only codec    # or throughput, overhead

- **throughput**: a queue of distinct recordings (corpus clips concatenated in rotated orders,
  ``--recording-minutes`` each) processed by ``minutes process`` with the Celery executor and
  1, then 2, ``minutes worker`` processes of one thread each (60 s chunks, diarizer on,
  extractive summaries). Audio seconds per wall second, and the ratio (target >= 1.7x).
- **overhead**: one worker, 60 s chunks sent one at a time through the broker; the broker round
  trip is the daemon's wall time per chunk minus the worker's own transcription time
  (``ChunkTranscript.elapsed``): FLAC encoding, base64, Redis both ways, the worker's decoding.
  Target: under 5 % of the chunk's compute.
- **codec**: corpus WER of the same clips transcribed from their exact samples (what FLAC
  carries: lossless) and after an Opus round trip at each ``--opus-kbps``.

A real ``redis-server`` is started on a free loopback port in a temporary folder. Results go to
``bench/results/scaleout-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import wer

BENCH_DIR = Path(__file__).resolve().parent
CORPUS = BENCH_DIR.parent.parent / "shared" / "corpus"
CLIPS = (
    "librivox_sonnets/sonnet_p001.mp3",
    "librivox_sonnets/sonnet_p002.mp3",
    "librivox_sonnets/sonnet_p003.mp3",
    "jfk/jfk.flac",
    "librispeech_testclean_1089/1089-134686-0000.flac",
    "librispeech_testclean_1089/1089-134686-0001.flac",
    "librispeech_testclean_1089/1089-134691-0000.flac",
    "librispeech_testclean_1089/1089-134691-0001.flac",
)
PASSWORD = "bench-broker-password"
RATE = 16_000
SPEEDUP_TARGET = 1.7
OVERHEAD_TARGET = 0.05


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=("throughput", "overhead", "codec", "prompt"), action="append"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks it runs")
    parser.add_argument("--recordings", type=int, default=3)
    parser.add_argument("--recording-minutes", type=float, default=10.0)
    parser.add_argument("--overhead-chunks", type=int, default=5)
    parser.add_argument("--opus-kbps", type=int, nargs="+", default=[16, 24, 32])
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    if args.smoke:
        args.recordings, args.recording_minutes, args.overhead_chunks = 2, 1.0, 2
        args.opus_kbps = [24]
    parts = args.only or ["throughput", "overhead", "codec", "prompt"]
    results: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "smoke": args.smoke,
    }
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as folder:
        root = Path(folder)
        if "codec" in parts:
            results["codec"] = bench_codec(args.opus_kbps, 2 if args.smoke else len(CLIPS))
        if "prompt" in parts:
            results["prompt"] = bench_prompt(30.0 if args.smoke else 60.0)
        if {"throughput", "overhead"} & set(parts):
            with redis_server(root / "redis") as url:
                if "overhead" in parts:
                    chunk_s = 20.0 if args.smoke else 60.0
                    results["overhead"] = bench_overhead(root, url, args.overhead_chunks, chunk_s)
                if "throughput" in parts:
                    results["throughput"] = bench_throughput(
                        root, url, args.recordings, args.recording_minutes
                    )
    out = BENCH_DIR / "results" / f"scaleout-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    out = out.with_name(out.name + (f"-{args.label}" if args.label else "") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    print(f"written to {out}")
    return 0


# Redis and workers -----------------------------------------------------------------------


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    folder.mkdir(parents=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--requirepass", PASSWORD],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def celery_env(root: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MINUTES_STATE_DIR": str(root / "state"),
        "MINUTES_OUTBOX": str(root / "outbox"),
        "MINUTES_EXECUTOR__NAME": "celery",
        "MINUTES_EXECUTOR__BROKER_URL": url,
        "MINUTES_EXECUTOR__BROKER_PASSWORD_ENV": "BENCH_BROKER_PASSWORD",
        "BENCH_BROKER_PASSWORD": PASSWORD,
        "MINUTES_TRANSCRIBER__CPU_THREADS": "1",
        "MINUTES_TRANSCRIBER__LANGUAGE": "en",
        "MINUTES_CHUNKING__MAX_SECONDS": "60",
        "MINUTES_CHUNKING__SEARCH_SECONDS": "15",
        **extra,
    }


@contextmanager
def workers(root: Path, env: dict[str, str], count: int) -> Iterator[None]:
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    for n in range(count):
        log = root / f"worker-{n}-{time.monotonic_ns()}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "daemon", "worker", "--name", f"bench{n}"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        started.append((process, log))
    try:
        for process, log in started:
            deadline = time.monotonic() + 120
            while "ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"worker did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.wait(timeout=60)


# Inputs ----------------------------------------------------------------------------------


def clip_samples(name: str) -> npt.NDArray[np.int16]:
    from daemon.audio import decode_blocks, probe

    info = probe(CORPUS / name, 2**31)
    return np.concatenate(list(decode_blocks(info)))


def clip_reference(name: str) -> str:
    audio = CORPUS / name
    return audio.with_suffix(".txt").read_text(encoding="utf-8")


def build_recordings(folder: Path, count: int, minutes: float) -> list[tuple[Path, float]]:
    """``count`` distinct WAVs of ~``minutes`` each: the clips in a different order in each."""
    pieces = [clip_samples(name) for name in CLIPS[:4]]
    gap = np.zeros(RATE, dtype=np.int16)
    made = []
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        parts: list[npt.NDArray[np.int16]] = []
        i = n
        while sum(p.size for p in parts) < minutes * 60 * RATE:
            parts += [pieces[i % len(pieces)], gap]
            i += 1 + n
        pcm = np.concatenate(parts)
        path = folder / f"recording-{n}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm.tobytes())
        made.append((path, pcm.size / RATE))
    return made


# The three measurements ------------------------------------------------------------------


def bench_throughput(root: Path, url: str, count: int, minutes: float) -> dict[str, Any]:
    recordings = build_recordings(root / "queue", count, minutes)
    audio_s = sum(d for _, d in recordings)
    runs: dict[str, Any] = {}
    for n in (1, 2):
        run_root = root / f"throughput-{n}"
        env = celery_env(run_root, url, MINUTES_EXECUTOR__MAX_IN_FLIGHT="4")
        with workers(run_root.parent, env, n):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "daemon", "process", *(str(p) for p, _ in recordings)],
                env=env, capture_output=True, text=True,
            )  # fmt: skip
            wall = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"minutes process failed:\n{done.stderr}")
        runs[f"{n}_workers"] = {"wall_s": round(wall, 1), "audio_s_per_s": round(audio_s / wall, 3)}
        print(f"{n} worker(s): {audio_s:.0f} s of audio in {wall:.1f} s", flush=True)
    speedup = runs["2_workers"]["audio_s_per_s"] / runs["1_workers"]["audio_s_per_s"]
    return {
        "recordings": count,
        "audio_s": round(audio_s, 1),
        "runs": runs,
        "speedup": round(speedup, 3),
        "target": SPEEDUP_TARGET,
        "met": speedup >= SPEEDUP_TARGET,
    }


def bench_overhead(root: Path, url: str, count: int, chunk_s: float) -> dict[str, Any]:
    from daemon.config import load_settings
    from daemon.executor.celery_app import CeleryExecutor
    from daemon.executor.snapshot import Snapshot
    from daemon.models import Chunk
    from daemon.transcribe.local import LocalTranscriber

    run_root = root / "overhead"
    env = celery_env(run_root, url, MINUTES_DIARIZER__NAME="none")
    os.environ["BENCH_BROKER_PASSWORD"] = PASSWORD
    settings = load_settings(
        None,
        {
            "state_dir": run_root / "state",
            "executor": {
                "name": "celery",
                "broker_url": url,
                "broker_password_env": "BENCH_BROKER_PASSWORD",
                "max_in_flight": 1,
            },
            "transcriber": {"cpu_threads": 1, "language": "en"},
            "diarizer": {"name": "none"},
        },
    )
    executor = CeleryExecutor(
        settings.executor, Snapshot(run_root / "executor.json", "minutes", url), threading.Event()
    )
    remote = executor.wrap(LocalTranscriber(settings.transcriber), embed=False)
    samples = (clip_samples(CLIPS[0])[: int(chunk_s * RATE)].astype(np.float32) / 32768.0).astype(
        np.float32
    )
    rows = []
    with workers(root, env, 1):
        for n in range(count + 1):  # the first one warms the worker up and is not counted
            chunk = Chunk(0, 0.0, samples.size / RATE, 0.0, samples)
            with executor.recording(f"{n:064x}", f"bench{time.monotonic_ns()}"):
                started = time.monotonic()
                result = remote.transcribe(chunk, language="en", prompt="")
                wall = time.monotonic() - started
            if n:
                rows.append({"wall_s": round(wall, 3), "compute_s": round(result.elapsed, 3)})
    overhead = sum(r["wall_s"] - r["compute_s"] for r in rows) / sum(r["compute_s"] for r in rows)
    return {
        "chunk_s": chunk_s,
        "chunks": rows,
        "overhead_fraction": round(overhead, 4),
        "target": OVERHEAD_TARGET,
        "met": overhead < OVERHEAD_TARGET,
    }


def bench_codec(kbps: Sequence[int], clips: int) -> dict[str, Any]:
    from daemon.executor import codec
    from daemon.models import Chunk
    from daemon.sections import TranscriberSettings
    from daemon.transcribe.local import LocalTranscriber

    transcriber = LocalTranscriber(TranscriberSettings(language="en", cpu_threads=2))
    variants: dict[str, list[wer.WerResult]] = {"flac": []}
    variants |= {f"opus{k}": [] for k in kbps}
    sizes: dict[str, int] = dict.fromkeys(variants, 0)
    total_s = 0.0
    for name in CLIPS[:clips]:
        exact = (clip_samples(name).astype(np.float32) / 32768.0).astype(np.float32)
        total_s += exact.size / RATE
        reference = clip_reference(name)
        flac = codec.encode(exact, "flac")
        carried = {"flac": (codec.decode(flac), len(flac))}
        for k in kbps:
            data = codec.encode(exact, "opus", k)
            carried[f"opus{k}"] = (codec.decode(data), len(data))
        for variant, (samples, size) in carried.items():
            chunk = Chunk(0, 0.0, samples.size / RATE, 0.0, samples)
            text = " ".join(
                s.text for s in transcriber.transcribe(chunk, language="en", prompt="").segments
            )
            variants[variant].append(wer.score(reference, text))
            sizes[variant] += size
        print(f"codec: {name} done", flush=True)
    return {
        "clips": list(CLIPS[:clips]),
        "audio_s": round(total_s, 1),
        "wer": {v: round(wer.corpus_score(r).wer, 4) for v, r in variants.items()},
        "kB_per_minute": {v: round(s / 1000 / (total_s / 60), 1) for v, s in sizes.items()},
    }


def bench_prompt(chunk_s: float) -> dict[str, Any]:
    """WER of the long corpus file in chunks, with and without the previous chunk's words."""
    import threading

    from daemon.audio import decode_blocks, probe, split_at_pauses
    from daemon.merge import merge
    from daemon.sections import ChunkingSettings, TranscriberSettings
    from daemon.transcribe.chunks import ChunkJob, transcribe_chunks
    from daemon.transcribe.local import LocalTranscriber

    name = "longform/librivox_sonnets_1-3_concat.wav"
    reference = (CORPUS / name).with_suffix(".txt").read_text(encoding="utf-8")
    transcriber = LocalTranscriber(TranscriberSettings(language="en", cpu_threads=2))
    chunking = ChunkingSettings(max_seconds=chunk_s, search_seconds=min(15.0, chunk_s / 2))
    scores: dict[str, float] = {}
    count = 0
    for carry in (True, False):
        info = probe(CORPUS / name, 2**31)
        job = ChunkJob(done={}, language="en", hint="", total_seconds=info.duration,
                       carry_previous=carry)  # fmt: skip
        chunks = transcribe_chunks(
            transcriber, split_at_pauses(decode_blocks(info), chunking), job,
            on_done=lambda _: None, stop=threading.Event(),
        )  # fmt: skip
        count = len(chunks)
        text = " ".join(
            s.text for s in merge(chunks, info.duration, transcriber.provenance()).segments
        )
        scores["previous_text" if carry else "hint_only"] = round(wer.score(reference, text).wer, 4)
        print(f"prompt: carry={carry} done", flush=True)
    return {"file": name, "chunk_s": chunk_s, "chunks": count, "wer": scores}


if __name__ == "__main__":
    sys.exit(main())
