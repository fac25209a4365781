"""Diarization error rate and CPU cost of the local diarizer on the shared corpora.

    .venv/bin/python -m bench.bench_diarize [--out bench/results]

DER is scored here rather than with pyannote.metrics (which would add scipy, pandas and
scikit-learn to the bench): 10 ms frames, no collar, overlapped speech scored. In each frame
with reference speakers R and hypothesis speakers H, missed = max(0, |R|-|H|), false alarm =
max(0, |H|-|R|), confusion = min(|R|, |H|) - correctly mapped speakers, under the one-to-one
speaker mapping that maximises matched time (found exhaustively; counts are small).
DER = (missed + false alarm + confusion) / reference speech time. This is NIST's definition
with collar 0, the strictest common setting.

Audio is cut into 600 s chunks like the daemon's, embedded per chunk, clustered once.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import numpy.typing as npt
from audio import decode_pcm  # bench/ is on sys.path when a bench script runs, as for the others

from daemon.diarize import LocalDiarizer, SpeakerHints, SpeakerTurn
from daemon.diarize.embeddings import WindowSpec

SHARED = Path(__file__).resolve().parents[2] / "shared"
STEP = 0.01
CHUNK_S = 600.0

Ref = list[tuple[float, float, str]]


@dataclass(frozen=True)
class Score:
    name: str
    corpus: str
    duration_s: float
    ref_speakers: int
    hyp_speakers: int
    der: float
    missed: float
    false_alarm: float
    confusion: float
    cpu_s_per_min: float


def _activity(turns: Ref, n: int) -> tuple[list[str], npt.NDArray[np.bool_]]:
    names = sorted({t[2] for t in turns})
    grid = np.zeros((len(names), n), dtype=bool)
    for start, end, name in turns:
        grid[names.index(name), round(start / STEP) : round(end / STEP)] = True
    return names, grid


def der(ref: Ref, hyp: Ref, duration: float) -> tuple[float, float, float, float]:
    n = int(np.ceil(duration / STEP))
    _, r = _activity(ref, n)
    _, h = _activity(hyp, n)
    overlap = r.astype(np.int64) @ h.T.astype(np.int64)
    best = 0
    if len(h):
        small, large = sorted([overlap.shape[0], overlap.shape[1]])
        mat = overlap if overlap.shape[0] == small else overlap.T
        for perm in itertools.permutations(range(large), small):
            best = max(best, int(sum(mat[i, p] for i, p in enumerate(perm))))
    nr, nh = r.sum(axis=0), h.sum(axis=0) if len(h) else np.zeros(n, dtype=np.int64)
    total = float(nr.sum())
    missed = float(np.maximum(nr - nh, 0).sum())
    false_alarm = float(np.maximum(nh - nr, 0).sum())
    confusion = float(np.minimum(nr, nh).sum()) - best
    return (
        (missed + false_alarm + confusion) / total,
        missed / total,
        false_alarm / total,
        (confusion / total),
    )


WINDOWS = WindowSpec()


def diarize(path: Path, hints: SpeakerHints) -> tuple[list[SpeakerTurn], float, float]:
    pcm = np.frombuffer(decode_pcm(path), dtype=np.int16).astype(np.float32) / 32768.0
    diarizer = LocalDiarizer(windows=WINDOWS)
    started = time.process_time()
    size = int(CHUNK_S * 16_000)
    chunks = [diarizer.embed_chunk(pcm[i : i + size], i / 16_000) for i in range(0, pcm.size, size)]
    turns = diarizer.cluster(chunks, hints)
    return turns, time.process_time() - started, pcm.size / 16_000


def meetings() -> list[tuple[str, Path, Ref]]:
    items = []
    for tsv in sorted((SHARED / "meetings").glob("*.turns.tsv")):
        rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:] if line.strip()]
        ref = [(float(a), float(b), name) for a, b, name, *_ in rows]
        items.append((tsv.name.split(".")[0], tsv.with_name(tsv.name.split(".")[0] + ".wav"), ref))
    return items


def ami() -> list[tuple[str, Path, Ref]]:
    folder = SHARED / "corpus" / "ami_excerpts"
    refs: dict[str, Ref] = {}
    for rttm in folder.glob("*.rttm"):
        for line in rttm.read_text().splitlines():
            parts = line.split()
            if parts and parts[0] == "SPEAKER":
                start, length = float(parts[3]), float(parts[4])
                refs.setdefault(parts[1], []).append((start, min(start + length, 30.0), parts[7]))
    uri = {"sample": "pyannote_sample"}
    return [
        (name, folder / f"{uri.get(name, name)}.wav", ref)
        for name, ref in sorted(refs.items())
        if (folder / f"{uri.get(name, name)}.wav").exists()
    ]


def run(corpus: str, items: list[tuple[str, Path, Ref]], hinted: bool) -> list[Score]:
    scores = []
    for name, path, ref in items:
        speakers = len({t[2] for t in ref})
        hints = SpeakerHints(num_speakers=speakers) if hinted else SpeakerHints()
        turns, cpu, duration = diarize(path, hints)
        hyp = [(t.start, t.end, t.speaker) for t in turns]
        total, missed, fa, conf = der(ref, hyp, duration)
        score = Score(
            name, corpus, round(duration, 1), speakers, len({t.speaker for t in turns}),
            round(total, 4), round(missed, 4), round(fa, 4), round(conf, 4),
            round(cpu / (duration / 60), 3),
        )  # fmt: skip
        print(json.dumps(asdict(score)))
        scores.append(score)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--only", choices=["meetings", "ami"], default=None)
    parser.add_argument("--hop", type=float, default=WindowSpec.hop_s, help="window hop, s")
    parser.add_argument("--no-hints", action="store_true", help="skip the count-hint runs")
    args = parser.parse_args()
    global WINDOWS
    WINDOWS = WindowSpec(hop_s=args.hop)
    result: dict[str, object] = {
        "created": datetime.now(timezone.utc).isoformat(),
        "windows": asdict(WINDOWS),
    }
    for corpus, items in (("meetings", meetings()), ("ami", ami())):
        if args.only and corpus != args.only:
            continue
        for hinted in (False,) if args.no_hints else (False, True):
            scores = run(corpus, items, hinted)
            key = f"{corpus}{'-num_speakers_hint' if hinted else ''}"
            weights = np.array([s.duration_s for s in scores])
            result[key] = {
                "mean_der": round(float(np.mean([s.der for s in scores])), 4),
                "cpu_s_per_min": round(
                    float(np.average([s.cpu_s_per_min for s in scores], weights=weights)), 3
                ),
                "files": [asdict(s) for s in scores],
            }
            print(key, result[key]["mean_der"])  # type: ignore[index]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"diarize-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
