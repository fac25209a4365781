"""Issue 9 end to end, from audio: ``minutes process`` on whole meetings, scored for who said what.

    .venv/bin/python bench/bench_e2e.py                          # the five shared meetings
    .venv/bin/python bench/bench_e2e.py --meetings m06_one_on_one --only diarize
    .venv/bin/python bench/bench_e2e.py --own --only diarize diarize+roster

For every meeting and configuration the real CLI runs once in a fresh measured process (see
``measure.py``), on a copy of the audio named ``<meeting date> <id>.wav`` in a fresh state dir and
outbox, so the date in the name is the meeting's (``daemon.audio.recorded_at``). Configurations:

- ``diarize``: the defaults (``diarizer.name = "local"``);
- ``diarize+roster``: the same, with ``<copy>.attendees.txt`` beside the copy (gold attendees);
- ``none``: ``--set diarizer.name=none``, the cost baseline and the owner-less baseline.

Scores, per meeting and per split (shared, dev, blind):

- action items, decisions and due dates with ``../shared/meetings/score.py`` on the report's
  ``.json`` summary; again with every owner set to null in gold and prediction (owner-agnostic);
- DER of the ``.rttm`` against ``turns.tsv`` with pyannote.metrics (collar 0, overlap scored,
  optimal one-to-one label mapping, UEM = the whole recording), pooled over the split's meetings
  (pyannote's accumulated value) and as a mean of per-meeting DERs;
- naming accuracy: the share of reference speech time whose hypothesis speaker carries exactly
  the reference name (no mapping; ``Speaker_N`` is wrong), pooled over the split;
- cost: wall time, CPU time and peak RSS of each run; diarization cost = summed wall time of
  ``diarize`` over that of ``none``, minus one.

``--own`` scores the meetings written in ``bench/meetings`` instead of the shared ones: their
audio is synthesized once into ``bench/.cache/own_meetings`` with the shared set's
``tools/build_audio.py``. Blind meetings (bench/meetings/SPLITS.md) are only printed in
aggregate; the result JSON keeps their per-meeting figures, as ``bench_naming.py`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import measure
import wer

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
SHARED_MEETINGS = REPO_DIR.parent / "shared" / "meetings"
OWN_MEETINGS = BENCH_DIR / "meetings"
SCORER = SHARED_MEETINGS / "score.py"
BUILD_AUDIO = SHARED_MEETINGS / "tools" / "build_audio.py"
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
MINUTES = Path(sys.executable).parent / "minutes"

CONFIGS: dict[str, list[str]] = {
    "none": ["--set", "diarizer.name=none"],
    "diarize": [],
    "diarize+roster": [],
}
ROSTER_CONFIGS = ("diarize+roster",)
SPLITS = ("shared", "dev", "blind")
TARGETS = {
    "der_max": 0.10,
    "naming_no_roster_min": 0.85,
    "naming_roster_min": 0.95,
    "action_items_f1_min": 0.6,
    "diarization_wall_cost_max": 0.15,
}
_MB = 1e6


@dataclass(frozen=True)
class Meeting:
    id: str
    split: str
    wav: Path
    turns: Path
    gold: Path
    spoken: Path  # <id>.ref.txt, the words spoken
    date: str  # the script's "# date:" header, YYYY-MM-DD
    attendees: tuple[str, ...]


@dataclass
class Run:
    """One ``minutes process`` run and everything scored from it."""

    meeting: str
    split: str
    config: str
    folder: str
    returncode: int | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    load_before: float | None = None
    error: str | None = None
    recorded_at: str | None = None
    speakers: list[str] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)


# --- meetings -------------------------------------------------------------------------------


def split_of(meeting_id: str) -> str:
    """bench/meetings/SPLITS.md: own meetings numbered by a multiple of three are blind."""
    if meeting_id.startswith("n") and meeting_id[1:3].isdigit():
        return "blind" if int(meeting_id[1:3]) % 3 == 0 else "dev"
    return "shared"


def script_date(script: Path) -> str:
    for line in script.read_text(encoding="utf-8").splitlines()[:3]:
        if line.startswith("# date:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{script}: no '# date:' header")


def meetings_in(folder: Path, wanted: Sequence[str]) -> list[Meeting]:
    found = []
    for gold in sorted(folder.glob("*.gold.json")):
        meeting_id = gold.name.removesuffix(".gold.json")
        if wanted and meeting_id not in wanted:
            continue
        attendees = tuple(json.loads(gold.read_text(encoding="utf-8")).get("attendees", []))
        found.append(
            Meeting(
                meeting_id, split_of(meeting_id), folder / f"{meeting_id}.wav",
                folder / f"{meeting_id}.turns.tsv", gold, folder / f"{meeting_id}.ref.txt",
                script_date(folder / f"{meeting_id}.txt"), attendees,
            )
        )  # fmt: skip
    missing = set(wanted) - {m.id for m in found}
    if missing:
        raise SystemExit(f"unknown meetings in {folder}: {', '.join(sorted(missing))}")
    return found


def own_meetings_audio(cache: Path) -> Path:
    """Copy bench/meetings' scripts and gold into ``cache`` and synthesize what is missing."""
    cache.mkdir(parents=True, exist_ok=True)
    stale = False
    for source in sorted(OWN_MEETINGS.glob("n*.txt")) + sorted(OWN_MEETINGS.glob("n*.gold.json")):
        target = cache / source.name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            stale = True
    for script in cache.glob("n*.txt"):
        if script.name.endswith(".ref.txt"):
            continue
        if not (cache / f"{script.stem}.wav").exists():
            stale = True
    if stale:
        print(f"synthesizing own meetings into {cache} ...", flush=True)
        started = time.perf_counter()
        # Its output names every meeting, blind ones too: kept in a log, not printed.
        with (cache / "build_audio.log").open("wb") as log:
            built = subprocess.run(
                [sys.executable, str(BUILD_AUDIO), str(cache)], stdout=log, stderr=log, check=False
            )  # fmt: skip
        if built.returncode != 0:
            raise SystemExit(f"build_audio.py failed ({built.returncode}); see build_audio.log")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return cache


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


# --- running minutes ------------------------------------------------------------------------


def run_minutes(meeting: Meeting, config: str, root: Path) -> Run:
    """``minutes process`` on a dated copy of the meeting, in a fresh measured process."""
    folder = root / config / meeting.id
    if folder.exists():
        shutil.rmtree(folder)
    dirs = {name: folder / name for name in ("input", "inbox", "outbox", "state", "archive")}
    for path in dirs.values():
        path.mkdir(parents=True)
    audio = dirs["input"] / f"{meeting.date} {meeting.id}.wav"
    shutil.copyfile(meeting.wav, audio)  # a copy: its mtime is now, not the meeting's date
    if config in ROSTER_CONFIGS:
        Path(f"{audio}.attendees.txt").write_text("\n".join(meeting.attendees) + "\n")
    empty_config = folder / "minutes.toml"  # shadows any user-level config
    empty_config.write_text("", encoding="utf-8")
    cmd = [
        str(MINUTES), "process", "--config", str(empty_config),
        "--inbox", str(dirs["inbox"]), "--outbox", str(dirs["outbox"]),
        "--state-dir", str(dirs["state"]), "--set", f"archive={dirs['archive']}",
        *CONFIGS[config], str(audio),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINUTES_")}
    out = folder / "measure.json"
    run = Run(meeting.id, meeting.split, config, str(folder), load_before=os.getloadavg()[0])
    with (folder / "stdout.log").open("wb") as stdout, (folder / "stderr.log").open("wb") as err:
        subprocess.run(
            measure.wrapper_command(Path(__file__), out, cmd),
            cwd=folder, env=env, stdout=stdout, stderr=err, check=False,
        )  # fmt: skip
    if not out.exists():
        run.error = "the measuring wrapper wrote nothing"
        return run
    result = measure.read(out)
    run.returncode = result.returncode
    run.wall_s = round(result.wall_s, 2)
    run.cpu_s = round(result.user_s + result.sys_s, 2)
    run.peak_rss_mb = round(max(result.peak_rss_kib, result.tree_peak_rss_kib) * 1024 / _MB, 1)
    if result.returncode != 0:
        tail = (folder / "stderr.log").read_text(errors="replace").strip().splitlines()[-1:]
        run.error = f"exit code {result.returncode}: {' '.join(tail)}"
    return run


def report_of(run: Run) -> Path:
    """The last non-empty stdout line of ``minutes process`` is the report's path."""
    lines = (Path(run.folder) / "stdout.log").read_text(errors="replace").split("\n")
    last = [line.strip() for line in lines if line.strip()][-1]
    path = Path(last)
    return path if path.is_absolute() else Path(run.folder) / path


# --- scoring --------------------------------------------------------------------------------


def prediction(report: dict[str, Any]) -> dict[str, Any]:
    summary = report.get("summary") or {}
    return {
        "action_items": [
            {"owner": a.get("owner"), "task": a.get("task"), "due": a.get("due")}
            for a in summary.get("action_items", [])
        ],
        "decisions": [{"text": d.get("text")} for d in summary.get("decisions", [])],
    }


def without_owners(document: dict[str, Any]) -> dict[str, Any]:
    items = [dict(item, owner=None) for item in document.get("action_items", [])]
    return dict(document, action_items=items)


def score_predictions(
    gold: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]], folder: Path
) -> dict[str, Any]:
    """score.py over one split and configuration: {"overall": ..., "per_meeting": {id: row}}."""
    gold_dir, pred_dir = folder / "gold", folder / "pred"
    for path in (gold_dir, pred_dir):
        path.mkdir(parents=True, exist_ok=True)
    for meeting_id, document in gold.items():
        (gold_dir / f"{meeting_id}.gold.json").write_text(json.dumps(document, indent=2))
    for meeting_id, document in preds.items():
        (pred_dir / f"{meeting_id}.json").write_text(json.dumps(document, indent=2))
    out = folder / "scores.json"
    subprocess.run(
        [sys.executable, str(SCORER), str(gold_dir), str(pred_dir), "--json", str(out)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    return {"overall": data["overall"], "per_meeting": {r["id"]: r for r in data["per_meeting"]}}


def reference_annotation(meeting: Meeting) -> Any:
    from pyannote.core import Annotation, Segment  # type: ignore[import-untyped]

    annotation = Annotation(uri=meeting.id)
    rows = meeting.turns.read_text(encoding="utf-8").splitlines()[1:]
    for index, row in enumerate(r for r in rows if r.strip()):
        start, end, speaker, _ = row.split("\t", 3)
        annotation[Segment(float(start), float(end)), index] = speaker.replace(" ", "_")
    return annotation


def rttm_annotation(path: Path, uri: str) -> Any:
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    if not path.exists():
        return annotation
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        parts = line.split()
        if parts[:1] == ["SPEAKER"]:
            onset, duration = float(parts[3]), float(parts[4])
            annotation[Segment(onset, onset + duration), index] = parts[7]
    return annotation


def named_seconds(reference: Any, hypothesis: Any) -> tuple[float, float]:
    """(reference speech seconds, of which the hypothesis gives exactly the right name)."""
    total = right = 0.0
    for name in reference.labels():
        spoken = reference.label_timeline(name).support()
        total += spoken.duration()
        if name in hypothesis.labels():
            labelled = hypothesis.label_timeline(name).support()
            right += spoken.crop(labelled, mode="intersection").support().duration()
    return total, right


def speaker_scores(meeting: Meeting, rttm: Path, metric: Any) -> dict[str, Any]:
    """DER components (accumulated into ``metric``) and naming of one run's .rttm."""
    from pyannote.core import Segment, Timeline

    reference = reference_annotation(meeting)
    hypothesis = rttm_annotation(rttm, meeting.id)
    uem = Timeline([Segment(0.0, wav_seconds(meeting.wav))], uri=meeting.id)
    detail = metric(reference, hypothesis, uem=uem, detailed=True)
    total, right = named_seconds(reference, hypothesis)
    return {
        "der": round(float(detail["diarization error rate"]), 4),
        "der_missed_s": round(float(detail["missed detection"]), 2),
        "der_false_alarm_s": round(float(detail["false alarm"]), 2),
        "der_confusion_s": round(float(detail["confusion"]), 2),
        "ref_speech_s": round(total, 2),
        "named_right_s": round(right, 2),
        "naming": round(right / total, 4) if total else None,
        "ref_speakers": len(reference.labels()),
        "hyp_speakers": len(hypothesis.labels()),
    }


def score_split(
    runs: list[Run], meetings: dict[str, Meeting], split: str, config: str, folder: Path
) -> dict[str, Any]:
    """Score every finished run of one split and configuration; fill ``run.scores``."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    chosen = [r for r in runs if r.split == split and r.config == config]
    if not chosen:
        return {}
    gold = {r.meeting: json.loads(meetings[r.meeting].gold.read_text()) for r in chosen}
    preds: dict[str, dict[str, Any]] = {}
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    speech = named = 0.0
    for run in chosen:
        if run.error:
            continue  # scored as an empty prediction, and left out of DER and naming
        try:
            report_path = report_of(run)
            report = json.loads(report_path.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError, IndexError) as exc:
            run.error = f"cannot read the report: {exc!r}"
            continue
        run.recorded_at = report["recording"]["recorded_at"]
        run.speakers = [str(s.get("name") or s.get("label")) for s in report.get("speakers", [])]
        run.attendees = list((report.get("summary") or {}).get("attendees", []))
        preds[run.meeting] = prediction(report)
        hypothesis = " ".join(str(s["text"]) for s in report.get("segments", []))
        errors = wer.score(meetings[run.meeting].spoken.read_text(encoding="utf-8"), hypothesis)
        run.scores.update(wer_edits=errors.edits, wer_ref_words=errors.ref_words)
        run.scores["wer"] = round(errors.edits / errors.ref_words, 4)
        if config != "none":
            scores = speaker_scores(meetings[run.meeting], report_path.with_suffix(".rttm"), metric)
            run.scores.update(scores)
            speech += scores["ref_speech_s"]
            named += scores["named_right_s"]
    owned = score_predictions(gold, preds, folder / "owners")
    ownerless = score_predictions(
        {k: without_owners(v) for k, v in gold.items()},
        {k: without_owners(v) for k, v in preds.items()},
        folder / "no-owners",
    )
    for run in chosen:
        row, free = owned["per_meeting"][run.meeting], ownerless["per_meeting"][run.meeting]
        run.scores.update(
            action_items_f1=round(row["a_prf"][2], 4),
            action_items_f1_no_owner=round(free["a_prf"][2], 4),
            decisions_f1=round(row["d_prf"][2], 4),
            due_acc=None if row["due_acc"] is None else round(row["due_acc"], 4),
        )
    return aggregate(chosen, owned, ownerless, metric, speech, named, config)


def aggregate(
    runs: list[Run], owned: dict[str, Any], ownerless: dict[str, Any], metric: Any,
    speech: float, named: float, config: str,
) -> dict[str, Any]:  # fmt: skip
    ok = [r for r in runs if not r.error]
    ders = [r.scores["der"] for r in ok if "der" in r.scores]
    edits = sum(r.scores.get("wer_edits", 0) for r in ok)
    words = sum(r.scores.get("wer_ref_words", 0) for r in ok)
    overall = owned["overall"]
    return {
        "meetings": len(runs),
        "failed": [r.meeting for r in runs if r.error],
        "action_items_f1": round(overall["action_items"]["f"], 4),
        "action_items_p": round(overall["action_items"]["p"], 4),
        "action_items_r": round(overall["action_items"]["r"], 4),
        "action_items_f1_no_owner": round(ownerless["overall"]["action_items"]["f"], 4),
        "decisions_f1": round(overall["decisions"]["f"], 4),
        "due_acc": round(overall["due_acc"], 4),
        "wer": round(edits / words, 4) if words else None,
        "der_pooled": round(abs(metric), 4) if config != "none" and ders else None,
        "der_mean": round(sum(ders) / len(ders), 4) if ders else None,
        "naming": round(named / speech, 4) if speech else None,
        "wall_s_sum": round(sum(r.wall_s or 0.0 for r in ok), 1),
        "cpu_s_sum": round(sum(r.cpu_s or 0.0 for r in ok), 1),
        "peak_rss_mb_max": max((r.peak_rss_mb or 0.0 for r in ok), default=None),
    }


def cost(by_config: dict[str, dict[str, Any]], runs: list[Run], split: str) -> dict[str, Any]:
    """diarize against none, over the meetings both finished."""
    pairs: dict[str, dict[str, Run]] = {}
    for run in runs:
        if run.split == split and not run.error:
            pairs.setdefault(run.meeting, {})[run.config] = run
    both = [p for p in pairs.values() if "diarize" in p and "none" in p]
    if not both:
        return {}
    wall = {c: sum(p[c].wall_s or 0.0 for p in both) for c in ("diarize", "none")}
    cpu = {c: sum(p[c].cpu_s or 0.0 for p in both) for c in ("diarize", "none")}
    rss = {c: max(p[c].peak_rss_mb or 0.0 for p in both) for c in ("diarize", "none")}
    return {
        "meetings": len(both),
        "wall_s": {c: round(v, 1) for c, v in wall.items()},
        "cpu_s": {c: round(v, 1) for c, v in cpu.items()},
        "peak_rss_mb": rss,
        "wall_cost": round(wall["diarize"] / wall["none"] - 1, 4),
        "cpu_cost": round(cpu["diarize"] / cpu["none"] - 1, 4),
    }


def targets(split_result: dict[str, Any]) -> dict[str, Any]:
    def check(value: float | None, limit: float, upper: bool) -> dict[str, Any]:
        met = None if value is None else (value <= limit if upper else value >= limit)
        return {"value": value, "target": limit, "met": met}

    plain = split_result.get("diarize", {})
    roster = split_result.get("diarize+roster", {})
    wall_cost = split_result.get("cost", {}).get("wall_cost")
    return {
        "der_pooled": check(plain.get("der_pooled"), TARGETS["der_max"], True),
        "der_mean": check(plain.get("der_mean"), TARGETS["der_max"], True),
        "naming_no_roster": check(plain.get("naming"), TARGETS["naming_no_roster_min"], False),
        "naming_roster": check(roster.get("naming"), TARGETS["naming_roster_min"], False),
        "action_items_f1": check(
            plain.get("action_items_f1"), TARGETS["action_items_f1_min"], False
        ),
        "diarization_wall_cost": check(wall_cost, TARGETS["diarization_wall_cost_max"], True),
    }


# --- output ---------------------------------------------------------------------------------


def _fmt(value: Any, percent: bool = False) -> str:
    if value is None:
        return "-"
    if percent:
        return f"{value:.1%}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_runs(runs: Iterable[Run]) -> None:
    header = (
        f"{'meeting':<28} {'config':<15} {'wall s':>7} {'cpu s':>7} {'RSS MB':>7} "
        f"{'AI F1':>6} {'AI-own':>6} {'dec F1':>6} {'due':>5} {'WER':>6} {'DER':>6} "
        f"{'naming':>7} {'spk':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        s = r.scores
        speakers = f"{s.get('hyp_speakers', '-')}/{s.get('ref_speakers', '-')}"
        print(
            f"{r.meeting:<28} {r.config:<15} {_fmt(r.wall_s):>7} {_fmt(r.cpu_s):>7} "
            f"{_fmt(r.peak_rss_mb):>7} {_fmt(s.get('action_items_f1')):>6} "
            f"{_fmt(s.get('action_items_f1_no_owner')):>6} {_fmt(s.get('decisions_f1')):>6} "
            f"{_fmt(s.get('due_acc')):>5} {_fmt(s.get('wer'), True):>6} "
            f"{_fmt(s.get('der'), True):>6} "
            f"{_fmt(s.get('naming'), True):>7} {speakers:>5}"
            + (f"  FAILED: {r.error}" if r.error else "")
        )


def print_summary(result: dict[str, Any]) -> None:
    header = (
        f"{'split':<7} {'config':<15} {'n':>3} {'AI F1':>6} {'AI-own':>6} {'dec F1':>6} "
        f"{'due':>5} {'WER':>6} {'DER pool':>8} {'DER mean':>8} {'naming':>7} {'wall s':>8} "
        f"{'max RSS':>8}"
    )
    print("\n" + header)
    print("-" * len(header))
    for split in SPLITS:
        for config in CONFIGS:
            a = result.get(split, {}).get(config)
            if not a:
                continue
            print(
                f"{split:<7} {config:<15} {a['meetings']:>3} {_fmt(a['action_items_f1']):>6} "
                f"{_fmt(a['action_items_f1_no_owner']):>6} {_fmt(a['decisions_f1']):>6} "
                f"{_fmt(a['due_acc']):>5} {_fmt(a['wer'], True):>6} "
                f"{_fmt(a['der_pooled'], True):>8} "
                f"{_fmt(a['der_mean'], True):>8} {_fmt(a['naming'], True):>7} "
                f"{_fmt(a['wall_s_sum']):>8} {_fmt(a['peak_rss_mb_max']):>8}"
            )
    for split in SPLITS:
        c = result.get(split, {}).get("cost")
        if c:
            print(
                f"\n{split}: diarization cost over {c['meetings']} meetings: wall "
                f"{c['wall_s']['none']} -> {c['wall_s']['diarize']} s ({c['wall_cost']:+.1%}), "
                f"CPU {c['cpu_s']['none']} -> {c['cpu_s']['diarize']} s ({c['cpu_cost']:+.1%}), "
                f"peak RSS {c['peak_rss_mb']['none']} -> {c['peak_rss_mb']['diarize']} MB"
            )
    for split in SPLITS:
        checks = result.get(split, {}).get("targets")
        if not checks:
            continue
        note = " (issue 9's targets are for the shared meetings)" if split != "shared" else ""
        print(f"\ntargets, {split}{note}:")
        for name, c in checks.items():
            verdict = "N/A" if c["met"] is None else ("met" if c["met"] else "MISSED")
            print(f"  {name:<24} {_fmt(c['value']):>7}  target {c['target']:<5} {verdict}")


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--own", action="store_true", help="bench/meetings (dev + blind)")
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), help="configurations")
    parser.add_argument("--meetings", nargs="+", default=[], metavar="ID")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (2 cores here)")
    parser.add_argument("--label", default="", help="added to the result file's name")
    parser.add_argument("--json", type=Path, help="result file (default bench/results/e2e-*)")
    parser.add_argument(
        "--rescore", type=Path, metavar="RUN_DIR",
        help="score the runs kept in bench/.cache/e2e/<stamp> again, without running minutes",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["_measure"]:
        return measure.main(argv[1:])
    args = parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = own_meetings_audio(CACHE_DIR / "own_meetings") if args.own else SHARED_MEETINGS
    meetings = meetings_in(folder, args.meetings)
    configs = [c for c in CONFIGS if not args.only or c in args.only]
    jobs = [(m, c) for m in meetings for c in configs]
    started = time.perf_counter()
    if args.rescore:
        root = args.rescore.resolve()
        runs = [_kept_run(root / c / m.id) for m, c in jobs if (root / c / m.id).is_dir()]
    else:
        root = CACHE_DIR / "e2e" / stamp
        # One meeting's configurations run next to each other, so load drifts less between them.
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            runs = list(pool.map(lambda job: _run_logged(job[0], job[1], root), jobs))
    elapsed = time.perf_counter() - started
    by_id = {m.id: m for m in meetings}
    result: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(),
        "command": [Path(sys.argv[0]).name, *argv],
        "meetings_dir": str(folder),
        "run_dir": str(root),
        "elapsed_s": None if args.rescore else round(elapsed, 1),
        "jobs": args.jobs,
        "issue_targets": TARGETS,
    }
    for split in SPLITS:
        part: dict[str, Any] = {}
        for config in configs:
            scored = score_split(runs, by_id, split, config, root / "scores" / split / config)
            if scored:
                part[config] = scored
        if part:
            part["cost"] = cost(part, runs, split)
            part["targets"] = targets(part)
            result[split] = part
    result["runs"] = [asdict(r) for r in runs]
    print_runs(r for r in runs if r.split != "blind")
    print_summary(result)
    print(f"\n{len(runs)} runs in {elapsed / 60:.1f} min; outputs in {root}")
    if args.rescore:
        print("(rescored: times are those of the original runs)")
    out = args.json or RESULTS_DIR / f"e2e-{stamp}{'-' + args.label if args.label else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out}")
    return 0


def _kept_run(folder: Path) -> Run:
    run = Run(**json.loads((folder / "run.json").read_text(encoding="utf-8")))
    run.folder, run.scores = str(folder), {}
    return run


def _run_logged(meeting: Meeting, config: str, root: Path) -> Run:
    run = run_minutes(meeting, config, root)
    (Path(run.folder) / "run.json").write_text(json.dumps(asdict(run)) + "\n", encoding="utf-8")
    if meeting.split == "blind":  # blind meetings are seen in aggregate only
        print(f"  {'(blind meeting)':<28} {config:<15} {'failed' if run.error else 'done'}")
        return run
    status = f"FAILED {run.error}" if run.error else f"{run.wall_s} s, {run.peak_rss_mb} MB"
    print(f"  {meeting.id:<28} {config:<15} {status}", flush=True)
    return run


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
