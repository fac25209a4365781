"""Score Minutes' summaries on the shared meeting set, from the script text and from our own audio.

    .venv/bin/python bench/bench_summaries.py                 # both; transcribes the WAVs once
    .venv/bin/python bench/bench_summaries.py --only text     # seconds, no model needed

(a) ``text``: the summarizer reads each meeting's script (``Name: text`` lines, speakers known).
(b) ``audio``: Minutes transcribes the meeting's WAV with the configured local model and the
    summarizer reads that transcript: no speaker labels, ASR errors included. Transcripts are
    kept in a ledger under ``--cache-dir`` so later runs only re-summarize.

Predictions are written in score.py's format to ``bench/results/summaries-<time>/<mode>/`` and
scored with the package's scorer (``daemon/evaluate/score.py``, the rules of the set's own
``score.py``, to the same numbers); its table and score.py's final line are printed per mode. The
meeting date given to the summarizer is the one in the script's ``# date:`` header, as a person
would pass ``--date`` or as a recorder's metadata would carry it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from daemon.assembly import pipeline_for as build_pipeline  # noqa: E402
from daemon.config import load_settings  # noqa: E402
from daemon.evaluate import report  # noqa: E402
from daemon.evaluate.gold import annotations_of, read_gold_meeting  # noqa: E402
from daemon.evaluate.run import Evaluation, described  # noqa: E402
from daemon.evaluate.score import score_meeting  # noqa: E402
from daemon.ledger import Ledger  # noqa: E402
from daemon.summarize import create_summarizer, summarize  # noqa: E402
from daemon.summarize.schema import Summary  # noqa: E402
from daemon.summarize.text import Utterance, from_text, from_transcript  # noqa: E402
from daemon.transcribe import create_transcriber  # noqa: E402


def prediction(summary: Summary) -> dict[str, object]:
    return {
        "action_items": [
            {"owner": a.owner, "task": a.task, "due": a.due.isoformat() if a.due else None}
            for a in summary.action_items
        ],
        "decisions": [{"text": d.text} for d in summary.decisions],
    }


OWN_MEETINGS = REPO / "bench" / "meetings"


def split_of(meeting_id: str) -> str:
    """bench/meetings/SPLITS.md: meetings numbered by a multiple of three are blind."""
    if meeting_id.startswith("n") and meeting_id[1:3].isdigit():
        return "blind" if int(meeting_id[1:3]) % 3 == 0 else "dev"
    return "shared"


def meetings(folder: Path, split: str = "all") -> list[tuple[str, Path, date]]:
    found = []
    for script in sorted(folder.glob("*.txt")):
        if script.name.endswith(".ref.txt") or not (folder / f"{script.stem}.gold.json").exists():
            continue
        if split != "all" and split_of(script.stem) != split:
            continue
        _, metadata = from_text(script.read_text())
        found.append((script.stem, script, date.fromisoformat(metadata["date"])))
    return found


def text_utterances(script: Path) -> list[Utterance]:
    return from_text(script.read_text())[0]


def audio_utterances(wav: Path, cache: Path) -> list[Utterance]:
    settings = load_settings(
        None,
        {"state_dir": cache / "ledger", "outbox": cache / "reports", "summarizer.name": "none"},
    )
    with Ledger(settings.database) as ledger:
        pipeline = build_pipeline(settings, ledger, create_transcriber(settings.transcriber))
        outcome = pipeline.submit(wav, from_inbox=False)
        if outcome.recording_id is None or outcome.state == "failed":
            raise SystemExit(f"{wav.name}: {outcome.reason}")
        transcript = ledger.transcript(outcome.recording_id)
    assert transcript is not None
    return from_transcript(transcript)


def run(
    mode: str,
    folder: Path,
    out: Path,
    cache: Path,
    split: str = "all",
    summarizer_name: str = "extractive",
) -> str:
    summarizer = create_summarizer(
        load_settings(None, {"summarizer.name": summarizer_name}).summarizer
    )
    assert summarizer is not None
    out.mkdir(parents=True, exist_ok=True)
    spent = 0.0
    chosen = meetings(folder, split)
    scores = []
    for meeting_id, script, meeting_date in chosen:
        if mode == "text":
            utterances = text_utterances(script)
        else:
            utterances = audio_utterances(folder / f"{meeting_id}.wav", cache)
        started = time.perf_counter()
        summary = summarize(summarizer, utterances, meeting_date)
        spent += time.perf_counter() - started
        (out / f"{meeting_id}.json").write_text(json.dumps(prediction(summary), indent=2) + "\n")
        gold = read_gold_meeting(folder / f"{meeting_id}.gold.json").gold
        scores.append(score_meeting(meeting_id, gold, annotations_of(summary)))
    # The package's scorer: the shared score.py's rules, held to its numbers by tests/test_eval.py.
    scored = Evaluation(folder, described(summarizer), tuple(scores), spent)
    (out / "scores.json").write_text(json.dumps(report.as_json(scored), indent=2) + "\n")
    print(f"\n== {mode} ({split}): summarizer time {spent:.2f} s for {len(chosen)} meetings")
    print(report.text_report(scored))
    return report.final_line(scored.overall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=Path, default=REPO.parent / "shared" / "meetings")
    parser.add_argument("--only", choices=["text", "audio"])
    parser.add_argument("--cache-dir", type=Path, default=REPO / "bench" / ".cache" / "summaries")
    parser.add_argument(
        "--own",
        action="store_true",
        help="score bench/meetings (text only: they have no audio) by split: dev, then blind",
    )
    parser.add_argument("--label", default="", help="added to the results folder's name")
    parser.add_argument(
        "--summarizer", default="extractive", help="the summarizer's name, as in [summarizer]"
    )
    parser.add_argument(
        "--split",
        choices=["dev", "blind", "all"],
        default="all",
        help="with --own: score only this split (dev while developing: blind is not even run)",
    )
    args = parser.parse_args()
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    label = f"-{args.label}" if args.label else ""
    results = REPO / "bench" / "results" / f"summaries-{stamp}{label}"
    finals = {}
    if args.own:
        splits = ("dev", "blind") if args.split == "all" else (args.split,)
        for split in splits:
            finals[f"text {split}"] = run(
                "text", OWN_MEETINGS, results / split, args.cache_dir, split, args.summarizer
            )
    else:
        for mode in ("text", "audio"):
            if args.only in (None, mode):
                finals[mode] = run(
                    mode, args.meetings, results / mode, args.cache_dir, "all", args.summarizer
                )
    print()
    for mode, final in finals.items():
        print(f"{mode:>10}: {final}")


if __name__ == "__main__":
    main()
