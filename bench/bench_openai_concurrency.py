"""Show that the openai backend transcribes a recording's chunks concurrently.

    .venv/bin/python bench/bench_openai_concurrency.py [--repeat 4] [--chunk 10]

The tests' fake OpenAI server (``tests/fake_openai.py``) answers ``/v1/audio/transcriptions``
after an injected latency that differs per chunk (1.0, 1.5, 2.0, 2.5 s, repeating), so the
serial sum and the slowest single chunk are known. A recording made of the meeting fixture
repeated ``--repeat`` times is processed with ``transcriber.concurrency`` 1, 4, 8 and 32 (a fresh
ledger each time, summaries off). For each run it prints the wall time of ``Pipeline.submit``,
the sum of the injected latencies, the slowest one, the most requests in flight at once, and
the time spent outside the API (decode, split, encode). Results go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import wave
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fake_openai import FakeOpenAI, Seen, peak_in_flight  # type: ignore[import-not-found]  # noqa: E402

from daemon.api.client import ApiClient  # noqa: E402
from daemon.assembly import pipeline_for as build_pipeline  # noqa: E402
from daemon.audio import decode_blocks, probe  # noqa: E402
from daemon.config import load_settings  # noqa: E402
from daemon.ledger import Ledger  # noqa: E402
from daemon.transcribe import create_transcriber  # noqa: E402

LATENCIES = (1.0, 1.5, 2.0, 2.5)
AUDIO = "/v1/audio/transcriptions"


def build_recording(folder: Path, repeat: int) -> Path:
    source = REPO / "tests" / "fixtures" / "meeting.flac"
    blocks = [b for b in decode_blocks(probe(source, 1 << 30))]
    samples = np.concatenate(blocks * repeat)
    path = folder / "long-meeting.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def run(recording: Path, concurrency: int, chunk: float, work: Path) -> dict[str, Any]:
    with FakeOpenAI() as fake:
        injected: list[float] = []

        def latency(seen: Seen) -> float:
            if seen.path != AUDIO:
                return 0.0
            value = LATENCIES[len(injected) % len(LATENCIES)]
            injected.append(value)
            return value

        fake.latency = latency
        settings = load_settings(
            None,
            {
                "state_dir": work / f"state-{concurrency}",
                "outbox": work / f"outbox-{concurrency}",
                "transcriber.name": "openai",
                "transcriber.concurrency": concurrency,
                "summarizer.name": "none",
                "openai.base_url": fake.url,
                "chunking.max_seconds": chunk,
                "chunking.search_seconds": chunk / 2,
            },
        )
        with Ledger(settings.database) as ledger:
            api = ApiClient(settings.openai, ledger)
            transcriber = create_transcriber(settings.transcriber, api)
            pipeline = build_pipeline(settings, ledger, transcriber, api=api)
            started = time.monotonic()
            outcome = pipeline.submit(recording, from_inbox=False)
            wall = time.monotonic() - started
        assert outcome.state == "done", outcome.reason
        requests = fake.seen(AUDIO)
    return {
        "concurrency": concurrency,
        "chunks": len(requests),
        "wall_s": round(wall, 2),
        "sum_of_latencies_s": round(sum(injected), 2),
        "slowest_chunk_s": max(injected),
        "peak_in_flight": peak_in_flight(requests),
        "speedup_vs_serial_sum": round(sum(injected) / wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=4, help="meeting fixture copies (34 s each)")
    parser.add_argument("--chunk", type=float, default=10.0, help="chunking.max_seconds")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 8, 32])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        recording = build_recording(work, args.repeat)
        results = [run(recording, c, args.chunk, work) for c in args.concurrency]
    for row in results:
        print(json.dumps(row))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = REPO / "bench" / "results" / f"openai-concurrency-{stamp}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
