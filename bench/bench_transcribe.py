"""Benchmark ``minutes process`` against plain faster-whisper on the same model and settings.

    python bench/bench_transcribe.py                 # corpus files + a 3-hour concatenation
    python bench/bench_transcribe.py --hours 0.05    # quick: 3-minute concatenation
    python bench/bench_transcribe.py --skip-long --only plain

For each file and system this records wall time (model load included), real-time factor, WER
(see ``wer.py`` for the normalisation) and peak RSS, each run in its own fresh measured process,
then prints a table, the minutes/plain ratios and the targets, and writes the results as JSON.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import json
import logging
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import audio
import measure
import runners
import wer

log = logging.getLogger("bench")

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CORPUS = BENCH_DIR.parent.parent / "shared" / "corpus"
DEFAULT_FILES = (
    "longform/librivox_sonnets_1-3_concat.wav",
    "librivox_sonnets/sonnet_p001.mp3",
    "librivox_sonnets/sonnet_p002.mp3",
    "librivox_sonnets/sonnet_p003.mp3",
    "jfk/jfk.flac",
)
DEFAULT_MEETINGS = BENCH_DIR.parent.parent / "shared" / "meetings"
# The recording with pauses (see audio.PAUSES_S): corpus clips and two meetings.
PAUSED_CLIPS = (
    "librivox_sonnets/sonnet_p001.mp3",
    "jfk/jfk.flac",
    "librivox_sonnets/sonnet_p002.mp3",
)
PAUSED_MEETINGS = ("m01_eng_standup", "m06_one_on_one")
TIME_RATIO_TARGET = 1.1
WER_DELTA_TARGET_POINTS = 0.5
LONG_RSS_TARGET_MB = 600.0
_KIB_PER_MB = 1e6 / 1024  # MB here is 10^6 bytes, the stricter reading of "600 MB"


@dataclass(frozen=True)
class BenchFile:
    name: str
    audio: Path
    reference: str
    duration_s: float
    long: bool = False


# --- inputs -------------------------------------------------------------------------------------


def read_manifest(corpus: Path) -> dict[str, Path | None]:
    """Corpus-relative audio path -> its reference transcript (None when it has none).

    MANIFEST's reference column is free text ("x.txt (from .xhtml)", "NONE (...)", a path from
    before a folder was renamed), so its first word is tried, then the .txt next to the audio.
    """
    refs: dict[str, Path | None] = {}
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            first = (row.get("reference_file") or "").split(" ")[0]
            candidates = [corpus / first] if first and first != "NONE" else []
            candidates.append((corpus / row["file"]).with_suffix(".txt"))
            refs[row["file"]] = next((p for p in candidates if p.is_file()), None)
    return refs


def select_files(manifest: dict[str, Path | None], wanted: Sequence[str]) -> list[str]:
    """Match each wanted name against the manifest by path, file name or stem."""
    chosen: list[str] = []
    for name in wanted:
        matches = [f for f in manifest if name in (f, Path(f).name, Path(f).stem)]
        if len(matches) != 1:
            choices = ", ".join(f for f, ref in manifest.items() if ref)
            raise SystemExit(f"--files: {name!r} matches {len(matches)} corpus files; {choices}")
        if manifest[matches[0]] is None:
            raise SystemExit(f"--files: {matches[0]} has no reference transcript")
        chosen.append(matches[0])
    return chosen


def corpus_file(corpus: Path, name: str, reference: Path) -> BenchFile:
    path = corpus / name
    text = reference.read_text(encoding="utf-8")
    return BenchFile(name, path, text, audio.duration_seconds(path))


def long_file(
    corpus: Path, manifest: dict[str, Path | None], hours: float, cache: Path
) -> BenchFile:
    clips = []
    for name in DEFAULT_FILES:
        reference = manifest.get(name)
        if reference is None:
            raise SystemExit(f"cannot build the long file: no reference for {name}")
        clips.append(audio.Clip(corpus / name, reference))
    log.info("preparing the %g-hour concatenation in %s", hours, cache)
    built = audio.build_long_file(clips, hours, cache)
    log.info("long file: %s (%.0f s, %d clips)", built.audio, built.duration_s, built.clips)
    text = built.reference.read_text(encoding="utf-8")
    return BenchFile(built.audio.name, built.audio, text, built.duration_s, long=True)


def meeting_files(folder: Path) -> list[BenchFile]:
    """The meetings' synthetic audio; the reference is the spoken text (``<id>.ref.txt``)."""
    return [
        BenchFile(
            f"meetings/{wav.name}",
            wav,
            wav.with_suffix(".ref.txt").read_text("utf-8"),
            audio.duration_seconds(wav),
        )
        for wav in sorted(folder.glob("*.wav"))
        if wav.with_suffix(".ref.txt").is_file()
    ]


def paused_file(
    corpus: Path, manifest: dict[str, Path | None], meetings: Path, cache: Path
) -> BenchFile:
    clips = []
    for name in PAUSED_CLIPS:
        reference = manifest.get(name)
        if reference is None:
            raise SystemExit(f"cannot build the recording with pauses: no reference for {name}")
        clips.append(audio.Clip(corpus / name, reference))
    for name in PAUSED_MEETINGS:
        clips.insert(
            len(clips) // 2 + 1, audio.Clip(meetings / f"{name}.wav", meetings / f"{name}.ref.txt")
        )
    built = audio.build_paused_file(clips, cache)
    log.info("recording with pauses: %s (%.0f s)", built.audio, built.duration_s)
    text = built.reference.read_text(encoding="utf-8")
    return BenchFile(built.audio.name, built.audio, text, built.duration_s)


def resolve_model(explicit: str | None) -> tuple[str, str]:
    """The model folder both systems load, and where that answer came from."""
    if explicit:
        return explicit, "--model-path"
    if str(BENCH_DIR.parent) not in sys.path:
        # Appended, not prepended: an installed minutes wins; the working tree is the fallback.
        sys.path.append(str(BENCH_DIR.parent))
    from daemon.transcribe.model_store import resolve_model as minutes_resolve

    resolved = minutes_resolve("base")
    # resolve_model returns the bare name when only a download could provide the model.
    if not Path(resolved).is_dir():
        raise SystemExit(
            f"resolve_model('base') gave {resolved!r}, not a folder; pass --model-path"
        )
    return resolved, "daemon.transcribe.model_store.resolve_model"


# --- running ------------------------------------------------------------------------------------


def run_file(
    item: BenchFile, systems: Sequence[str], config: runners.RunConfig, repeat: int, hyp_dir: Path
) -> dict[str, dict[str, Any]]:
    """Run every system ``repeat`` times on ``item`` and summarise each.

    Repeats are interleaved and the order alternates (plain, minutes / minutes, plain, ...) so
    that background load and cache warmth fall on both systems alike.
    """
    results: dict[str, list[runners.RunResult]] = {system: [] for system in systems}
    errors: dict[str, str] = {}
    for attempt in range(repeat):
        order = systems if attempt % 2 == 0 else list(reversed(systems))
        for system in (s for s in order if s not in errors):
            log.info("%-7s %s (run %d/%d)", system, item.name, attempt + 1, repeat)
            result = runners.run(system, item.audio, config)
            if result.error or result.measurement is None or result.hypothesis is None:
                log.error("%s failed on %s: %s", system, item.name, result.error)
                errors[system] = result.error or "no measurement"
            else:
                results[system].append(result)
    return {
        system: {"system": system, "error": errors[system]}
        if system in errors
        else summarise(system, item, results[system], hyp_dir)
        for system in systems
    }


def summarise(
    system: str, item: BenchFile, results: Sequence[runners.RunResult], hyp_dir: Path
) -> dict[str, Any]:
    measurements = [r.measurement for r in results if r.measurement is not None]
    hypothesis = results[0].hypothesis or ""
    # Kept out of the results JSON (~130 KB for the 3-hour file) but saved for reading errors.
    saved = hyp_dir / f"{Path(item.name).stem}.{system}.txt"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(hypothesis + "\n", encoding="utf-8")
    score = wer.score(item.reference, hypothesis)
    wall = statistics.median(m.wall_s for m in measurements)
    peak = max(m.peak_rss_kib for m in measurements)
    tree_peak = max(m.tree_peak_rss_kib for m in measurements)
    return {
        "system": system,
        "error": None,
        "wall_s": wall,
        "wall_s_all": [m.wall_s for m in measurements],
        "rtf": wall / item.duration_s,
        "cpu_s": statistics.median(m.user_s + m.sys_s for m in measurements),
        "wer": score.wer,
        "edits": score.edits,
        "ref_words": score.ref_words,
        "hyp_words": score.hyp_words,
        "peak_rss_kib": peak,
        "peak_rss_mb": peak / _KIB_PER_MB,
        "tree_peak_rss_mb": tree_peak / _KIB_PER_MB,
        "details": results[0].details,
        "hypothesis_file": str(saved),
    }


# --- comparing ----------------------------------------------------------------------------------


def compare(row: dict[str, Any]) -> dict[str, Any] | None:
    """minutes vs plain on one file, or None unless both ran."""
    plain, minutes = row["runs"].get("plain"), row["runs"].get("minutes")
    if not plain or not minutes or plain["error"] or minutes["error"]:
        return None
    return {
        "time_ratio": minutes["wall_s"] / plain["wall_s"],
        "wer_delta_points": (minutes["wer"] - plain["wer"]) * 100,
        "plain_peak_rss_mb": plain["peak_rss_mb"],
        "minutes_peak_rss_mb": minutes["peak_rss_mb"],
    }


def overall_time_ratio(rows: Sequence[dict[str, Any]]) -> float | None:
    """Total minutes wall time over total plain wall time, on files where both ran."""
    both = [row["runs"] for row in rows if row["comparison"] is not None]
    if not both:
        return None
    return float(
        sum(r["minutes"]["wall_s"] for r in both) / sum(r["plain"]["wall_s"] for r in both)
    )


def check_targets(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per target and file; status is pass, fail or n/a (not measured)."""
    targets: list[dict[str, Any]] = []
    for row in rows:
        comparison = row["comparison"]
        if comparison is None:
            continue
        time_ok = comparison["time_ratio"] <= TIME_RATIO_TARGET
        wer_ok = comparison["wer_delta_points"] <= WER_DELTA_TARGET_POINTS
        targets.append(
            _target("time <= 1.1x plain", row["name"], comparison["time_ratio"], time_ok)
        )
        targets.append(
            _target("WER <= plain + 0.5 pt", row["name"], comparison["wer_delta_points"], wer_ok)
        )
    targets.append(_rss_target(rows))
    return targets


def _rss_target(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    name = "long-file minutes peak RSS <= 600 MB"
    long_rows = [r for r in rows if r["long"]]
    minutes = long_rows[0]["runs"].get("minutes") if long_rows else None
    if not minutes or minutes["error"]:
        return {"target": name, "file": None, "value": None, "status": "n/a"}
    # A multi-process design could keep its memory out of ru_maxrss: count the sampled sum too.
    value = max(minutes["peak_rss_mb"], minutes["tree_peak_rss_mb"])
    return _target(name, long_rows[0]["name"], value, value <= LONG_RSS_TARGET_MB)


def _target(name: str, file: str, value: float, ok: bool) -> dict[str, Any]:
    return {"target": name, "file": file, "value": value, "status": "pass" if ok else "fail"}


# --- reporting ----------------------------------------------------------------------------------


def print_report(rows: Sequence[dict[str, Any]], targets: Sequence[dict[str, Any]]) -> None:
    header = f"{'file':<42} {'system':<8} {'audio s':>8} {'wall s':>8} {'RTF':>6} "
    print("\n" + header + f"{'WER %':>7} {'peak RSS MB':>12}")
    print("-" * (len(header) + 20))
    for row in rows:
        for run in row["runs"].values():
            print(_run_line(row, run))
    print("\nminutes vs plain")
    for row in rows:
        c = row["comparison"]
        if c:
            print(
                f"  {row['name']:<42} time x{c['time_ratio']:.3f}  "
                f"WER {c['wer_delta_points']:+.2f} pt  "
                f"RSS {c['minutes_peak_rss_mb']:.0f} MB (plain {c['plain_peak_rss_mb']:.0f} MB)"
            )
    overall = overall_time_ratio(rows)
    if overall is not None:
        print(f"  {'all files (total wall time)':<42} time x{overall:.3f}")
    print("\ntargets")
    for t in targets:
        value = "-" if t["value"] is None else f"{t['value']:.3f}"
        print(f"  [{t['status'].upper():>4}] {t['target']:<38} {t['file'] or '':<42} {value}")


def _run_line(row: dict[str, Any], run: dict[str, Any]) -> str:
    lead = f"{row['name']:<42} {run['system']:<8} {row['duration_s']:>8.1f} "
    if run["error"]:
        return lead + "FAILED: " + str(run["error"]).splitlines()[0]
    return lead + (
        f"{run['wall_s']:>8.1f} {run['rtf']:>6.3f} {run['wer'] * 100:>7.2f} "
        f"{run['peak_rss_mb']:>12.0f}"
    )


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("faster-whisper", "ctranslate2", "av", "minutes"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="minutes process vs plain faster-whisper")
    p.add_argument("--hours", type=float, default=3.0, help="long file length; 0 skips it")
    p.add_argument("--skip-long", action="store_true", help="same as --hours 0")
    p.add_argument(
        "--files",
        nargs="+",
        default=list(DEFAULT_FILES),
        metavar="FILE",
        help="corpus files (path, name or stem as in MANIFEST.tsv)",
    )
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--language", default=None, help="ISO code for both systems; default: detect")
    p.add_argument("--only", choices=runners.SYSTEMS, help="run one system only")
    p.add_argument("--repeat", type=int, default=1, help="runs per file and system (median time)")
    p.add_argument("--model-path", help="CTranslate2 model folder (default: minutes' 'base')")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--meetings", action="store_true", help="add the meetings' audio (WER)")
    p.add_argument("--meetings-dir", type=Path, default=DEFAULT_MEETINGS)
    p.add_argument(
        "--pauses", action="store_true", help="add the recording with pauses (VAD time saving)"
    )
    p.add_argument("--cache-dir", type=Path, default=BENCH_DIR / ".cache")
    p.add_argument(
        "--minutes-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for minutes runs, e.g. MINUTES_LOG_LEVEL=DEBUG",
    )
    p.add_argument("--json", type=Path, help="results file (default bench/results/<time>.json)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if any("=" not in item for item in args.minutes_env):
        p.error("--minutes-env takes KEY=VALUE")
    return args


def prepare_files(args: argparse.Namespace) -> list[BenchFile]:
    manifest = read_manifest(args.corpus)
    files = []
    for name in select_files(manifest, args.files):
        reference = manifest[name]
        assert reference is not None  # select_files rejected files without one
        files.append(corpus_file(args.corpus, name, reference))
    if args.meetings:
        files += meeting_files(args.meetings_dir)
    if args.pauses:
        files.append(paused_file(args.corpus, manifest, args.meetings_dir, args.cache_dir))
    if args.hours > 0 and not args.skip_long:
        files.append(long_file(args.corpus, manifest, args.hours, args.cache_dir))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_measure"]:
        return measure.main(argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    started = datetime.now(timezone.utc)
    files = prepare_files(args)
    model_path, model_source = resolve_model(args.model_path)
    log.info("model: %s (%s)", model_path, model_source)
    config = runners.RunConfig(
        model_path=model_path,
        beam_size=args.beam_size,
        threads=args.threads,
        language=args.language,
        work_dir=args.cache_dir / "runs",
        minutes_env=dict(item.split("=", 1) for item in args.minutes_env),
    )
    systems = [args.only] if args.only else list(runners.SYSTEMS)
    hyp_dir = args.cache_dir / "hypotheses" / f"{started:%Y%m%dT%H%M%SZ}"
    rows = []
    for item in files:
        runs = run_file(item, systems, config, args.repeat, hyp_dir)
        row = {"name": item.name, "audio": str(item.audio), "duration_s": item.duration_s,
               "long": item.long, "runs": runs}  # fmt: skip
        row["comparison"] = compare(row)
        rows.append(row)
    targets = check_targets(rows)
    print_report(rows, targets)
    _warn_multiprocess(rows)
    out = args.json or BENCH_DIR / "results" / f"{started:%Y%m%dT%H%M%SZ}.json"
    write_json(out, _payload(args, started, model_path, model_source, rows, targets))
    print(f"\nresults: {out}")
    missed = any(t["status"] == "fail" for t in targets) or _any_failed(rows)
    return 1 if args.strict and missed else 0


def _payload(
    args: argparse.Namespace,
    started: datetime,
    model_path: str,
    model_source: str,
    rows: list[dict[str, Any]],
    targets: list[dict[str, Any]],
) -> dict[str, Any]:
    settings = {
        "model_path": model_path,
        "model_source": model_source,
        "beam_size": args.beam_size,
        "threads": args.threads,
        "language": args.language,
        "hours": 0.0 if args.skip_long else args.hours,
        "repeat": args.repeat,
        "minutes_command": runners.minutes_command(),
        "minutes_env": args.minutes_env,
        "meetings": args.meetings,
        "pauses": list(audio.PAUSES_S) if args.pauses else None,
    }
    return {
        "started": started.isoformat(timespec="seconds"),
        "settings": settings,
        "environment": environment(),
        "wer_normalisation": "see bench/wer.py (NFKC, lowercase, numbers spelled out, ...)",
        "files": rows,
        "overall_time_ratio": overall_time_ratio(rows),
        "targets": targets,
        "long_file_clips": list(DEFAULT_FILES),
    }


def _any_failed(rows: Sequence[dict[str, Any]]) -> bool:
    return any(run["error"] for row in rows for run in row["runs"].values())


def _warn_multiprocess(rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        for run in row["runs"].values():
            if not run["error"] and run["tree_peak_rss_mb"] > 1.05 * run["peak_rss_mb"]:
                log.warning(
                    "%s on %s: summed process-tree RSS %.0f MB exceeds ru_maxrss %.0f MB "
                    "(several processes); the RSS target uses the larger",
                    run["system"], row["name"], run["tree_peak_rss_mb"], run["peak_rss_mb"],
                )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
