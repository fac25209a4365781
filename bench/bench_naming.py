"""Naming accuracy of daemon/diarize/naming.py on meeting scripts (issue 9).

    .venv/bin/python bench/bench_naming.py [--splits shared,dev,blind] [--out bench/results]

Accuracy is the share of speech (words) whose label gets the right person's name; a label left
unnamed counts as wrong. Speakers are replaced by S1..Sn in order of first turn, so the text is
what a perfect diarizer would hand over: this is the upper bound of naming from audio. Each
meeting is scored without a roster and with one (the true attendee list).

- shared: the five meetings in ../shared/meetings (``*.turns.tsv``);
- dev / blind: the meetings in bench/meetings (``Name: text`` lines after two ``#`` header
  lines), split as bench/meetings/SPLITS.md says: a number divisible by three is blind. Blind
  meetings are only opened when the blind split is asked for, and only their aggregate is
  printed (the JSON keeps the per-meeting figures).

Each is also scored as ASR might hand it over: ``no-punct`` (punctuation removed) and
``lower`` (punctuation removed and lower case). ``said`` is the share of speech by people whose
name someone else says: without a roster, naming from the conversation cannot do better.

Also timed: one call on an hour of speech (the shared meetings repeated to 9,000 words), after
the model is loaded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# So that the script also runs as a file: .venv/bin/python bench/bench_naming.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon import nlp
from daemon.diarize.naming import Turn, name_speakers

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "meetings"
WRITTEN = ROOT / "bench" / "meetings"
SPLITS = ("shared", "dev", "blind")


def _no_punctuation(text: str) -> str:
    return re.sub(r"[^\w\s']", "", text)


VARIANTS: dict[str, Callable[[str], str]] = {
    "text": str,
    "no-punct": _no_punctuation,
    "lower": lambda text: _no_punctuation(text).lower(),
}
_LINE = re.compile(r"^([A-Z][\w'-]*(?: [A-Z][\w'-]*)?):\s+(.*)$")
_SECONDS_PER_WORD = 0.4  # scripts have no times; naming only uses their order


@dataclass(frozen=True)
class Meeting:
    id: str
    split: str
    turns: list[Turn]
    truth: dict[str, str]  # label -> name
    roster: list[str]


def labelled(rows: list[tuple[float, float, str, str]]) -> tuple[list[Turn], dict[str, str]]:
    """Turns with speakers replaced by S1..Sn in order of first turn, and the truth."""
    labels: dict[str, str] = {}
    turns = []
    for start, end, name, text in rows:
        label = labels.setdefault(name, f"S{len(labels) + 1}")
        turns.append(Turn(label, text, start, end))
    return turns, {label: name for name, label in labels.items()}


def shared_meetings() -> list[Meeting]:
    meetings = []
    for tsv in sorted(SHARED.glob("*.turns.tsv")):
        rows = []
        for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
            start, end, name, text = line.split("\t", 3)
            rows.append((float(start), float(end), name, text))
        turns, truth = labelled(rows)
        meetings.append(Meeting(tsv.name.split(".")[0], "shared", turns, truth, _roster(tsv)))
    return meetings


def split_of(path: Path) -> str:
    number = int(re.match(r"n(\d+)", path.name).group(1))  # type: ignore[union-attr]
    return "blind" if number % 3 == 0 else "dev"


def written_meetings(split: str) -> list[Meeting]:
    meetings = []
    for path in sorted(WRITTEN.glob("n*.txt")):
        if split_of(path) != split:
            continue  # never opened: blind meetings stay unread unless they are scored
        rows, clock = [], 0.0
        for line in path.read_text(encoding="utf-8").splitlines()[2:]:
            match = _LINE.match(line.strip())
            if match:
                length = len(match.group(2).split()) * _SECONDS_PER_WORD
                rows.append((clock, clock + length, match.group(1), match.group(2)))
                clock += length + 0.5
        turns, truth = labelled(rows)
        meetings.append(Meeting(path.stem, split, turns, truth, _roster(path)))
    return meetings


def _roster(path: Path) -> list[str]:
    gold = path.with_name(path.name.split(".")[0] + ".gold.json")
    return list(json.loads(gold.read_text(encoding="utf-8")).get("attendees", []))


def said_share(meeting: Meeting) -> float:
    """Share of words by people whose name another speaker says."""
    words = {label: 0 for label in meeting.truth}
    for turn in meeting.turns:
        words[turn.label] += len(turn.text.split())
    said = {
        label
        for label, name in meeting.truth.items()
        if any(
            re.search(rf"\b{re.escape(name)}\b", t.text, re.IGNORECASE)
            for t in meeting.turns
            if t.label != label
        )
    }
    return sum(words[label] for label in said) / (sum(words.values()) or 1)


@dataclass(frozen=True)
class Score:
    words: int
    right: int
    labels: dict[str, dict[str, object]]  # label -> truth, name, confidence, source, words

    @property
    def accuracy(self) -> float:
        return self.right / self.words if self.words else 0.0


def score(meeting: Meeting, with_roster: bool, variant: str = "text") -> Score:
    change = VARIANTS[variant]
    turns = [Turn(t.label, change(t.text), t.start, t.end) for t in meeting.turns]
    named = name_speakers(turns, roster=meeting.roster if with_roster else [])
    words = {label: 0 for label in meeting.truth}
    for turn in meeting.turns:
        words[turn.label] += len(turn.text.split())
    right = sum(n for label, n in words.items() if named[label].name == meeting.truth[label])
    labels: dict[str, dict[str, object]] = {
        label: {
            "truth": meeting.truth[label],
            "name": named[label].name,
            "confidence": named[label].confidence,
            "source": named[label].source,
            "words": words[label],
        }
        for label in meeting.truth
    }
    return Score(sum(words.values()), right, labels)


def hour_seconds(meetings: list[Meeting]) -> tuple[int, float]:
    turns: list[Turn] = []
    while sum(len(t.text.split()) for t in turns) < 9000:
        for meeting in meetings:
            turns.extend(meeting.turns)
    start = time.perf_counter()
    name_speakers(turns)
    return sum(len(t.text.split()) for t in turns), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("-v", "--verbose", action="store_true", help="labels (not for blind)")
    args = parser.parse_args()
    splits = [s for s in args.splits.split(",") if s]
    variants = [v for v in args.variants.split(",") if v]
    started = time.perf_counter()
    nlp.english()
    nlp.lexicon()
    load_s = time.perf_counter() - started
    result: dict[str, object] = {
        "created": datetime.now(timezone.utc).isoformat(),
        "model_load_s": round(load_s, 2),
    }
    rows: list[tuple[str, int, int, float, float]] = []
    for split in splits:
        meetings = shared_meetings() if split == "shared" else written_meetings(split)
        total = sum(len(t.text.split()) for m in meetings for t in m.turns) or 1
        said = sum(said_share(m) * sum(len(t.text.split()) for t in m.turns) for m in meetings)
        result[f"{split}-said"] = round(said / total, 4)
        for variant, with_roster in itertools.product(variants, (False, True)):
            key = f"{split}-{variant}-{'roster' if with_roster else 'no-roster'}"
            scores = {m.id: score(m, with_roster, variant) for m in meetings}
            words = sum(s.words for s in scores.values())
            accuracy = sum(s.right for s in scores.values()) / words if words else 0.0
            result[key] = {
                "meetings": len(meetings),
                "accuracy": round(accuracy, 4),
                "files": {
                    meeting_id: {"words": s.words, "accuracy": round(s.accuracy, 4), **s.labels}
                    for meeting_id, s in scores.items()
                },
            }
            rows.append((key, len(meetings), words, accuracy, said / total))
            if split == "blind" or variant != "text":
                continue  # blind meetings: the aggregate only
            for meeting_id, s in scores.items():
                print(f"  {key:<28} {meeting_id:<28} {s.accuracy:.3f}")
                for label, value in s.labels.items() if args.verbose else ():
                    print(f"      {label} {value}")
    hour = hour_seconds(shared_meetings()) if "shared" in splits else None
    if hour is not None:
        result["hour"] = {"words": hour[0], "seconds": round(hour[1], 3)}
    print(
        f"\n{'split-variant-roster':<28} {'meetings':>8} {'words':>7} {'accuracy':>9} {'said':>6}"
    )
    for key, count, words, accuracy, said_part in rows:
        ceiling = f"{said_part:.0%}" if "no-roster" in key else ""
        print(f"{key:<28} {count:>8} {words:>7} {accuracy:>9.1%} {ceiling:>6}")
    if hour is not None:
        print(f"an hour of speech ({hour[0]} words): {hour[1]:.2f} s; model load {load_s:.2f} s")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"naming-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
