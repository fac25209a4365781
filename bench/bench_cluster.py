"""Speaker clustering alone, from cached window embeddings: DER and speaker-count error.

    .venv/bin/python bench/bench_cluster.py embed     # once (~10 min): embed every meeting
    .venv/bin/python bench/bench_cluster.py score [--variant daemon|regions] [--hinted] [--blind]

Embedding is the slow part (CAM++ over every window) and does not depend on the clustering,
so `embed` runs LocalDiarizer().embed_chunk per 600 s chunk exactly as bench_diarize.py does
and stores each meeting's windows in bench/.cache/cluster/<corpus>/<id>.npz. `score` then
clusters under each variant and scores with bench_diarize.der (10 ms frames, collar 0,
overlap scored, optimal one-to-one mapping).

Variants: `daemon` clusters exactly as LocalDiarizer.cluster calls it today (no speech regions,
so the count is the eigengap's); `regions` also passes each window's speech region, which lets
cluster.py over-split and merge clusters that alternate within pause-free speech. `regions`
needs a one-line change in daemon/diarize/__init__.py (see RegionAwareDiarizer).

Corpora: shared (the five ../shared/meetings), dev and blind (bench/.cache/own_meetings, split
by bench/meetings/SPLITS.md: ids divisible by 3 are blind), ami (../shared/corpus/ami_excerpts,
30 s excerpts scored over their UEM, 0-30 s). Blind is scored only with --blind, and only its
means are printed and written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from audio import decode_pcm
from bench_diarize import CHUNK_S, Ref, ami, der, meetings

from daemon.diarize import ChunkEmbeddings, LocalDiarizer, SpeakerHints
from daemon.diarize.cluster import ClusterParams
from daemon.diarize.embeddings import WindowSpec

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache" / "cluster"
OWN = BENCH / ".cache" / "own_meetings"
AMI_UEM_S = 30.0  # the excerpts' UEM: only 0-30 s is annotated

Item = tuple[str, Path, Ref]


def _own(blind: bool) -> list[Item]:
    items = []
    for tsv in sorted(OWN.glob("n*.turns.tsv")):
        name = tsv.name.split(".")[0]
        if (int(re.findall(r"\d+", name)[0]) % 3 == 0) != blind:
            continue
        rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:] if line.strip()]
        items.append((name, OWN / f"{name}.wav", [(float(a), float(b), s) for a, b, s, *_ in rows]))
    return items


CORPORA: dict[str, Callable[[], list[Item]]] = {
    "shared": meetings,
    "dev": lambda: _own(False),
    "ami": ami,
    "blind": lambda: _own(True),
}


# Windows are embedded every WindowSpec().hop_s unless --hop says otherwise; other spacings
# get their own cache folder.
_HOP: list[float] = []


def _cache_path(corpus: str, name: str) -> Path:
    folder = CACHE if not _HOP else CACHE / f"hop-{_HOP[0]:g}"
    return folder / corpus / f"{name}.npz"


def _windows() -> WindowSpec:
    return WindowSpec() if not _HOP else WindowSpec(hop_s=_HOP[0])


def embed(corpora: list[str]) -> None:
    diarizer = LocalDiarizer(windows=_windows())
    size = int(CHUNK_S * 16_000)
    for corpus in corpora:
        for name, path, _ in CORPORA[corpus]():
            out = _cache_path(corpus, name)
            if out.exists():
                continue
            pcm = np.frombuffer(decode_pcm(path), dtype=np.int16).astype(np.float32) / 32768.0
            chunks = [diarizer.embed_chunk(pcm[i : i + size], i / 16_000)
                      for i in range(0, pcm.size, size)]  # fmt: skip
            out.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                out,
                starts=np.concatenate([c.starts for c in chunks]),
                ends=np.concatenate([c.ends for c in chunks]),
                vectors=np.concatenate([c.vectors.reshape(-1, 192) for c in chunks]),
                regions=np.array([r for c in chunks for r in c.regions]).reshape(-1, 2),
                duration=np.float64(pcm.size / 16_000),
            )
            print(corpus, name, len(chunks[0].starts), flush=True)


def load(corpus: str, name: str) -> tuple[ChunkEmbeddings, float]:
    with np.load(_cache_path(corpus, name)) as npz:
        regions = tuple((float(a), float(b)) for a, b in npz["regions"])
        chunk = ChunkEmbeddings(npz["starts"], npz["ends"], npz["vectors"], regions)
        return chunk, float(npz["duration"])


# "regions" was the proposed change to LocalDiarizer.cluster (windows' speech regions passed to
# the clustering); the daemon has made it, so both names now run the daemon's own code.
DIARIZERS: dict[str, type[LocalDiarizer]] = {
    "daemon": LocalDiarizer,
    "regions": LocalDiarizer,
}


@dataclass(frozen=True)
class Result:
    name: str
    ref_speakers: int
    hyp_speakers: int
    der: float


def score_corpus(
    corpus: str, params: ClusterParams, hinted: bool = False, variant: str = "regions"
) -> list[Result]:
    results = []
    diarizer = DIARIZERS[variant](params=params, windows=_windows())
    for name, _, ref in CORPORA[corpus]():
        chunk, duration = load(corpus, name)
        speakers = len({t[2] for t in ref})
        hints = SpeakerHints(num_speakers=speakers) if hinted else SpeakerHints()
        turns = diarizer.cluster([chunk], hints)
        if corpus == "ami":
            duration = AMI_UEM_S
            turns = [replace(t, end=min(t.end, AMI_UEM_S)) for t in turns if t.start < AMI_UEM_S]
        hyp = [(t.start, t.end, t.speaker) for t in turns]
        total = der(ref, hyp, duration)[0]
        results.append(Result(name, speakers, len({t.speaker for t in turns}), round(total, 4)))
    return results


def summary(results: list[Result]) -> dict[str, float]:
    return {
        "mean_der": round(float(np.mean([r.der for r in results])), 4),
        "mean_abs_count_error": round(
            float(np.mean([abs(r.hyp_speakers - r.ref_speakers) for r in results])), 3
        ),
        "count_right": round(
            float(np.mean([r.hyp_speakers == r.ref_speakers for r in results])), 3
        ),
        "files": len(results),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["embed", "score"])
    parser.add_argument("--blind", action="store_true", help="score the blind split (once)")
    parser.add_argument("--hinted", action="store_true", help="also score with num_speakers")
    parser.add_argument(
        "--variant",
        choices=list(DIARIZERS),
        default="regions",
        help="daemon: as LocalDiarizer calls it today; regions: with region ids",
    )
    parser.add_argument("--tag", default="", help="added to the result file name")
    parser.add_argument("--hop", type=float, help="seconds between embedding windows")
    parser.add_argument("--windows-per-speaker", type=int, help="ClusterParams.windows_per_speaker")
    parser.add_argument("--alternation", type=float, help="ClusterParams.alternation")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    if args.hop is not None:
        _HOP.append(args.hop)
    if args.command == "embed":
        embed(list(CORPORA))
        return
    params = ClusterParams()
    if args.windows_per_speaker is not None:
        params = replace(params, windows_per_speaker=args.windows_per_speaker)
    if args.alternation is not None:
        params = replace(params, alternation=args.alternation)
    result: dict[str, object] = {
        "created": datetime.now(timezone.utc).isoformat(),
        "params": asdict(params),
        "variant": args.variant,
        "windows": asdict(_windows()),
    }
    corpora = ["blind"] if args.blind else ["shared", "dev", "ami"]
    for corpus in corpora:
        for hinted in (False, True) if args.hinted else (False,):
            results = score_corpus(corpus, params, hinted, args.variant)
            key = corpus + ("-num_speakers_hint" if hinted else "")
            entry: dict[str, object] = dict(summary(results))
            if corpus != "blind":  # blind: means only (SPLITS.md)
                entry["per_file"] = [asdict(r) for r in results]
            result[key] = entry
            print(key, json.dumps(summary(results)), file=sys.stderr)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.variant}" + ("-blind" if args.blind else "")
    path = args.out / f"cluster-{stamp}{args.tag}{suffix}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
