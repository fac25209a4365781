"""Recall and precision of redaction (``daemon/privacy``) on a labelled set of meeting lines.

    .venv/bin/python bench/bench_redaction.py [--cases bench/redaction/cases.jsonl] [--out DIR]

Each line of ``cases.jsonl`` is one utterance as a transcript has it: ``text``, the ``entities``
in it (``type`` and ``value``, the words as said: "john dot smith at acme dot com"), the words it
must ``keep`` (the meeting's own vocabulary: "Mark the ticket", "Q3", "sprint") and, for some, the
``speaker`` who said it. The set was written before the recognizers were tuned.

A labelled value counts as **redacted** when every letter and digit of it lies inside what was
replaced, whatever type it was given; **typed** when, in addition, the biggest replacement over it
has the labelled type. Recall is per labelled type. **Precision** is the share of replacements
that overlap a labelled value; a replacement that touches a ``keep`` word is also listed. Speaker
names are not given to the detector here (the summarizer does give them, and the roster): this
measures Presidio and the custom recognizers alone.

Also timed: detection on one hour of meeting (the set repeated to about 9,000 words), after the
engine is loaded, and the engine's start-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# So that the script also runs as a file: .venv/bin/python bench/bench_redaction.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.privacy.detect import Detector, Finding
from daemon.sections_ops import DEFAULT_ENTITIES

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "bench" / "redaction" / "cases.jsonl"


@dataclass(frozen=True)
class Case:
    text: str
    entities: tuple[tuple[str, str], ...]
    keep: tuple[str, ...]


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            entities = tuple((e["type"], e["value"]) for e in row["entities"])
            cases.append(Case(row["text"], entities, tuple(row.get("keep", ()))))
    return cases


def covered(text: str, start: int, end: int, found: list[Finding]) -> bool:
    """Every letter and digit of text[start:end] is inside some finding."""
    return all(
        any(f.start <= i < f.end for f in found) for i in range(start, end) if text[i].isalnum()
    )


def score(cases: list[Case], detector: Detector) -> dict[str, Any]:
    labelled: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    typed: Counter[str] = Counter()
    misses: list[dict[str, str]] = []
    replaced = false_positive = 0
    kept_wrongly: list[dict[str, str]] = []
    for case, found in zip(cases, detector.find_all([c.text for c in cases]), strict=True):
        spans = []
        for kind, value in case.entities:
            start = case.text.index(value)
            end = start + len(value)
            spans.append((start, end))
            labelled[kind] += 1
            if covered(case.text, start, end, found):
                redacted[kind] += 1
                over = [f for f in found if f.start < end and f.end > start]
                biggest = max(over, key=lambda f: min(f.end, end) - max(f.start, start))
                typed[kind] += biggest.entity == kind
                if biggest.entity != kind:
                    misses.append({"value": value, "type": kind, "as": biggest.entity})
            else:
                misses.append({"value": value, "type": kind, "as": "missed"})
        for f in found:
            replaced += 1
            if not any(f.start < end and f.end > start for start, end in spans):
                false_positive += 1
                kept_wrongly.append({"text": case.text[f.start : f.end], "as": f.entity})
    recall = {
        kind: {
            "n": labelled[kind],
            "redacted": round(redacted[kind] / labelled[kind], 3),
            "typed": round(typed[kind] / labelled[kind], 3),
        }
        for kind in sorted(labelled)
    }
    total = sum(labelled.values())
    return {
        "cases": len(cases),
        "labelled": total,
        "recall": recall,
        "recall_all": round(sum(redacted.values()) / total, 3),
        "replacements": replaced,
        "precision": round((replaced - false_positive) / replaced, 3) if replaced else 1.0,
        "false_positives": kept_wrongly,
        "misses": misses,
    }


def hour_of_meeting(cases: list[Case], detector: Detector) -> dict[str, float]:
    texts: list[str] = []
    while sum(len(t.split()) for t in texts) < 9000:
        texts += [c.text for c in cases]
    started = time.perf_counter()
    detector.find_all(texts)
    return {"lines": len(texts), "seconds": round(time.perf_counter() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--entities", default=",".join([*DEFAULT_ENTITIES, "US_BANK_NUMBER"]))
    args = parser.parse_args()
    cases = load_cases(args.cases)
    started = time.perf_counter()
    detector = Detector(args.entities.split(","), allow=[], deny=[])
    detector.find("warm up, Maria")
    load_seconds = round(time.perf_counter() - started, 2)
    result = score(cases, detector)
    result["engine_start_seconds"] = load_seconds
    result["hour_of_meeting"] = hour_of_meeting(cases, detector)
    print(f"{result['cases']} utterances, {result['labelled']} labelled values")
    print(f"{'type':<16}{'n':>4}{'redacted':>10}{'typed':>8}")
    for kind, row in result["recall"].items():
        print(f"{kind:<16}{row['n']:>4}{row['redacted']:>10.3f}{row['typed']:>8.3f}")
    print(f"all: recall {result['recall_all']:.3f}, precision {result['precision']:.3f} "
          f"({result['replacements']} replacements)")  # fmt: skip
    for miss in result["misses"]:
        print(f"  miss: {miss['type']} {miss['value']!r} -> {miss['as']}")
    for fp in result["false_positives"]:
        print(f"  false positive: {fp['as']} {fp['text']!r}")
    print(f"engine start {load_seconds} s; one hour of meeting "
          f"({result['hour_of_meeting']['lines']} lines) in "
          f"{result['hour_of_meeting']['seconds']} s")  # fmt: skip
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"redaction-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
