"""Retrieval quality of ``minutes search`` / ``ask`` on the shared meetings (issue 13).

    .venv/bin/python bench/bench_retrieval.py [--out bench/results] [--scale 10000]

The meetings come from their ``.turns.tsv`` (real times and speakers), summarized by the
embedded default, so passages carry what ``minutes process`` gives them. The questions are
bench/retrieval/questions.json: 45 about the five shared meetings, 22 of them
paraphrased so that they share few words with the answer. Each names the meeting and the time
span that answers it; a retrieved passage is relevant when it is from that meeting and its time
overlaps the span. For BM25 (FTS5 over passages, any word), the local embeddings
(all-MiniLM-L6-v2, int8, NumPy) and their reciprocal rank fusion: recall@1/3/5/10 and MRR over
the first ten passages, for all questions and for the literal and paraphrased ones apart.

Also measured: seconds per meeting to make and embed the passages (the cost per report), and,
with ``--scale N``, a query over N meetings of 40 passages each (random unit vectors stored as
the ledger stores them), which is what choosing NumPy over sqlite-vec rests on.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from daemon import actions
from daemon.config import Settings, load_settings
from daemon.embed import embedder_for
from daemon.ledger import Ledger
from daemon.models import Paragraph, Provenance, Report, Segment, Transcript
from daemon.search import index_recording
from daemon.search.index import index_report
from daemon.search.rank import Mode, find
from daemon.summarize import summarize
from daemon.summarize.extractive import ExtractiveSummarizer
from daemon.summarize.text import from_transcript

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "retrieval" / "questions.json"
NAMES = [
    "m01_eng_standup", "m04_customer_call", "m06_one_on_one", "m08_clinic_huddle",
    "m10_marketing_launch",
]  # fmt: skip
KS = (1, 3, 5, 10)
SHARED = ROOT.parent / "shared" / "meetings"


def transcript_of(name: str) -> tuple[Transcript, date]:
    with (SHARED / f"{name}.turns.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    segments = tuple(
        Segment(float(r["start_s"]), float(r["end_s"]), r["text"], speaker=r["speaker"])
        for r in rows
    )
    header = (SHARED / f"{name}.txt").read_text().splitlines()
    day = next(date.fromisoformat(h.split(":", 1)[1].strip()) for h in header if "date:" in h)
    duration = segments[-1].end
    transcript = Transcript(
        segments, (Paragraph(0.0, duration, segments),), "en", duration, Provenance("gold", "turns")
    )
    return transcript, day


def load(
    settings: Settings, ledger: Ledger, names: list[str]
) -> dict[str, tuple[int, float, float]]:
    """Put each meeting in the ledger; name -> (recording id, wall and CPU seconds to make and
    embed its passages)."""
    loaded: dict[str, tuple[int, float, float]] = {}
    for name in names:
        transcript, day = transcript_of(name)
        row = ledger.add_recording(
            sha256=name.ljust(64, "0"), path=SHARED / name, size=1, mtime_ns=1
        )
        ledger.update(
            row.id, recorded_at=datetime.combine(day, datetime.min.time()), meeting_date=day
        )
        ledger.save_transcript(row.id, transcript)
        utterances = from_transcript(transcript)
        summary = summarize(ExtractiveSummarizer(), utterances, day)
        ledger.save_summary(row.id, "extractive", day, summary)
        actions.record(ledger, row.id, day, summary, utterances)
        index_recording(ledger, row.id, transcript, summary)
        report = settings.outbox / f"{day.isoformat()}_{name}.md"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f"# {name}\n")
        ledger.save_report(row.id, Report(report, ()), 1.0)
        ledger.set_state(row.id, "done")
        started, cpu = time.perf_counter(), time.process_time()
        index_report(settings, ledger, row.id, transcript, summary)
        loaded[name] = (row.id, time.perf_counter() - started, time.process_time() - cpu)
    return loaded


def relevant(passage: Any, recording: int, start: float, end: float) -> bool:
    if passage.recording_id != recording or passage.start is None:
        return False
    p_end = passage.end if passage.end is not None else passage.start
    return bool(passage.start <= end and p_end >= start)


def score(ranks: list[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    out = {f"recall@{k}": sum(r is not None and r <= k for r in ranks) / n for k in KS}
    out["mrr"] = sum(1.0 / r for r in ranks if r is not None) / n
    return {k: round(v, 3) for k, v in out.items()}


def evaluate(ledger: Ledger, embedder: Any, ids: dict[str, int]) -> dict[str, Any]:
    questions = json.loads(QUESTIONS.read_text())["questions"]
    results: dict[str, Any] = {}
    modes: list[Mode] = ["keyword", "semantic", "hybrid"]
    for mode in modes:
        ranks: list[int | None] = []
        meeting_top: list[bool] = []
        timings = []
        for q in questions:
            started = time.perf_counter()
            found = find(ledger, q["q"], embedder, mode=mode, limit=10)
            timings.append(time.perf_counter() - started)
            rank = next(
                (n for n, r in enumerate(found, 1)
                 if relevant(r.passage, ids[q["meeting"]], q["start"], q["end"])),
                None,
            )  # fmt: skip
            ranks.append(rank)
            meeting_top.append(bool(found) and found[0].passage.recording_id == ids[q["meeting"]])
        literal = [r for r, q in zip(ranks, questions, strict=True) if not q["paraphrase"]]
        para = [r for r, q in zip(ranks, questions, strict=True) if q["paraphrase"]]
        name = {"keyword": "bm25", "semantic": "embeddings", "hybrid": "fusion"}[mode]
        results[name] = {
            "all": score(ranks),
            "literal": score(literal),
            "paraphrased": score(para),
            "meeting@1": round(sum(meeting_top) / len(questions), 3),
            "query_ms_median": round(1000 * float(np.median(timings)), 1),
            "ranks": ranks,
        }
    results["questions"] = {
        "all": len(questions),
        "paraphrased": sum(q["paraphrase"] for q in questions),
    }
    return results


def scale(meetings: int, per_meeting: int, dims: int) -> dict[str, Any]:
    """Store meetings x per_meeting random unit vectors, then time one query's scan."""
    with tempfile.TemporaryDirectory() as tmp, Ledger(Path(tmp) / "scale.db") as ledger:
        rng = np.random.default_rng(0)
        started = time.perf_counter()
        with ledger.transaction() as db:
            for m in range(1, meetings + 1):
                db.execute(
                    "INSERT INTO recordings (id, source_name, path, state, created_at, "
                    "updated_at) VALUES (?, 'x', 'x', 'done', '', '')",
                    (m,),
                )
                base = (m - 1) * per_meeting
                db.executemany(
                    "INSERT INTO passages (id, recording_id, idx, kind, text) "
                    "VALUES (?, ?, ?, 'transcript', 'x')",
                    [(base + i + 1, m, i) for i in range(per_meeting)],
                )
                v = rng.standard_normal((per_meeting, dims)).astype(np.float32)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
                db.executemany(
                    "INSERT INTO passage_vectors VALUES (?, 'scale', ?)",
                    [(base + i + 1, v[i].tobytes()) for i in range(per_meeting)],
                )
        fill = time.perf_counter() - started
        store = ledger.passages
        query = rng.standard_normal(dims).astype(np.float32)
        loads, scans = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            matrix = store.matrix("scale")
            t1 = time.perf_counter()
            top = np.argsort(-(matrix.vectors @ query))[:200]
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            scans.append(t2 - t1)
            assert len(top) == 200
        size = (Path(tmp) / "scale.db").stat().st_size
    return {
        "meetings": meetings, "passages": meetings * per_meeting, "dims": dims,
        "fill_s": round(fill, 1), "db_mb": round(size / 1e6), "load_s": round(min(loads), 2),
        "scan_s": round(min(scans), 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--scale", type=int, default=0, help="also time a query over N meetings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            None,
            {"state_dir": Path(tmp) / "state", "outbox": Path(tmp) / "outbox",
             "search.embedder": "local"},
        )  # fmt: skip
        with Ledger(settings.database) as ledger:
            embedder = embedder_for(settings, ledger)
            assert embedder is not None
            embedder.embed(["warm up"])  # the model loads once per process, not per meeting
            loaded = load(settings, ledger, NAMES)
            ids = {name: rid for name, (rid, _, _) in loaded.items()}
            passages, embedded = ledger.passages.counts(embedder.identity)
            result: dict[str, Any] = {
                "embedder": embedder.identity,
                "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
                "passages": passages,
                "embedded": embedded,
                "seconds_per_meeting": {n: round(s, 2) for n, (_, s, _) in loaded.items()},
                "cpu_seconds_per_meeting": {n: round(c, 2) for n, (_, _, c) in loaded.items()},
                "minutes_of_audio": {
                    n: round(transcript_of(n)[0].duration / 60, 1) for n in loaded
                },
                "retrieval": evaluate(ledger, embedder, ids),
            }
    if args.scale:
        result["scale"] = scale(args.scale, 40, 384)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"retrieval-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    for name in ("bm25", "embeddings", "fusion"):
        r = result["retrieval"][name]
        print(
            f"{name:10s} all {r['all']}  paraphrased {r['paraphrased']}  meeting@1 {r['meeting@1']}"
        )
    print("seconds per meeting:", result["seconds_per_meeting"])
    print("CPU seconds per meeting:", result["cpu_seconds_per_meeting"])
    if "scale" in result:
        print("scale:", result["scale"])
    print(path)


if __name__ == "__main__":
    main()
