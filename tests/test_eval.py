"""``minutes eval``: the configured summarizer scored on a folder of annotated meetings.

The scorer follows the shared meeting set's rules; ``fixtures/eval/reference_score.py.txt`` is a
verbatim copy of that set's ``score.py`` (kept as data, so the linters leave it as it is), and
the package must give its numbers. ``fixtures/eval/tiny`` is two small meetings whose expected
scores are worked out by hand below; ``fixtures/eval/shared`` is one meeting of the shared set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from fake_openai import FakeOpenAI, Reply, completion

from daemon.evaluate.gold import Action, Agreed, Annotations, read_gold_folder
from daemon.evaluate.score import overall, score_meeting
from daemon.summarize.prompts import PROMPT_VERSION

EVAL = FIXTURES / "eval"
TINY = EVAL / "tiny"
SHARED = EVAL / "shared"
REFERENCE = EVAL / "reference_score.py.txt"
CHAT = "/v1/chat/completions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def minutes(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        MINUTES_STATE_DIR=str(tmp_path / "state"),
        OPENAI_API_KEY="sk-test-not-a-real-key",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "daemon", *args],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def openai_env(fake: FakeOpenAI) -> dict[str, str]:
    return {"MINUTES_SUMMARIZER__NAME": "openai", "MINUTES_OPENAI__BASE_URL": fake.url,
            "MINUTES_OPENAI__BACKOFF_INITIAL": "0.01"}  # fmt: skip


def reference_scores(gold: Path, predictions: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "reference.json"
    subprocess.run(
        [sys.executable, str(REFERENCE), str(gold), str(predictions), "--json", str(out)],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def item(owner: str | None, task: str, due: str | None, quote: str) -> dict[str, Any]:
    return {"owner": owner, "task": task, "due": due, "due_phrase": None,
            "evidence": {"quote": quote, "start": None, "speaker": owner}}  # fmt: skip


def decided(text: str, quote: str) -> dict[str, Any]:
    return {"text": text, "evidence": {"quote": quote, "start": None, "speaker": None}}


def summary(actions: list[dict[str, Any]], decisions: list[dict[str, Any]]) -> Reply:
    body = {"title": "Meeting", "overview": "They met.", "key_points": [], "open_questions": [],
            "attendees": [], "action_items": actions, "decisions": decisions}  # fmt: skip
    return Reply(body=completion(json.dumps(body), model="gpt-4o-mini-2024-07-18"))


# The model's answers for the tiny folder, one per meeting in id order, and what they score:
#
# t01 (gold: Ben book movers 03-13; Carla order desks 03-12; nobody tell the landlord):
#   Ben "Book the movers" 03-13 matches; Carla "Order desks" matches (Jaccard 2/3) with the wrong
#   date 03-13; Ana "Repaint the kitchen" is extra; the landlord item is missed.
#   actions tp 2 of gold 3, pred 3: P = R = F1 = 2/3; due 1 of 2 = 0.5.
#   The decision "Move on the twentieth" matches: 1/1/1.
# t02 (gold: Eli send the draft 03-16; Dana review it 03-18; keep the survey for April):
#   Eli "Send the draft to Dana" matches (Jaccard 3/5); Dana's review is missed.
#   actions tp 1, gold 2, pred 1: P 1, R 0.5, F1 2/3; due 1 of 1.
#   "Keep the survey results for April" matches (4/5); "Publish on Friday" is extra:
#   decisions tp 1, gold 1, pred 2: P 0.5, R 1, F1 2/3.
# Overall (micro): actions tp 3, gold 5, pred 4: P 0.75, R 0.6, F1 2/3; due 2 of 3;
#   decisions tp 2, gold 2, pred 3: P 2/3, R 1, F1 0.8.
TINY_ANSWERS = (
    summary(
        [item("Ben", "Book the movers", "2026-03-13", "I'll book the movers by Friday"),
         item("Carla", "Order desks", "2026-03-13", "Sure, I'll order them tomorrow"),
         item("Ana", "Repaint the kitchen", None, "Good morning")],
        [decided("Move on the twentieth", "Let's go with the twentieth")],
    ),
    summary(
        [item("Eli", "Send the draft to Dana", "2026-03-16", "I'll send it to Dana for review")],
        [decided("Keep the survey results for April", "we'll keep them for April"),
         decided("Publish on Friday", "Quick one about the March newsletter")],
    ),
)  # fmt: skip


# Scoring rules ---------------------------------------------------------------------------------


def test_owners_match_ignoring_case_and_every_spelling_of_nobody() -> None:
    gold = Annotations((Action("Ana", "Send the budget"), Action(None, "Book the venue")))
    pred = Annotations((Action(" ana ", "Send the budget"), Action("TBD", "Book the venue")))
    assert score_meeting("m", gold, pred).actions.tp == 2
    wrong_owner = Annotations((Action("Ben", "Send the budget"),))
    score = score_meeting("m", gold, wrong_owner)
    assert score.actions.tp == 0
    assert score.missed_actions == gold.action_items and score.extra_actions == (
        Action("Ben", "Send the budget"),
    )


def test_a_task_matches_by_jaccard_or_when_it_holds_every_key_term_of_the_gold_task() -> None:
    gold = Annotations((Action("Ana", "Renew the domain"),))
    # Jaccard {renew, domain} vs {check, domain, registrar, price, renewal} is 1/6, but the key
    # term after the verb, "domain", is in the prediction.
    contained = Annotations((Action("Ana", "Check domain registrar prices before renewal"),))
    assert score_meeting("m", gold, contained).actions.tp == 1
    unrelated = Annotations((Action("Ana", "Renew the lease for the parking spaces"),))
    assert score_meeting("m", gold, unrelated).actions.tp == 0  # 1/5 < 0.3, no "domain"


def test_matching_is_one_to_one_and_takes_the_closest_pair_first() -> None:
    gold = Annotations((Action("Ana", "Send the slides"), Action("Ana", "Send the final slides")))
    pred = Annotations((Action("Ana", "Send the final slides"),))
    score = score_meeting("m", gold, pred)
    assert (score.actions.tp, score.actions.gold, score.actions.pred) == (1, 2, 1)
    assert score.missed_actions == (Action("Ana", "Send the slides"),)


def test_an_empty_meeting_scores_one_and_overall_scores_are_micro_averaged() -> None:
    nothing = score_meeting("m0", Annotations(), Annotations())
    assert (nothing.actions.f1, nothing.decisions.f1, nothing.due_accuracy) == (1.0, 1.0, None)
    gold = Annotations((Action("Ana", "Send the budget", "2026-03-13"),), (Agreed("Use Postgres"),))
    hit = score_meeting("m1", gold, Annotations((Action("Ana", "Send budget", "2026-03-12"),)))
    total = overall([nothing, hit])
    assert (total.actions.tp, total.actions.gold, total.actions.pred) == (1, 1, 1)
    assert total.decisions.recall == 0.0 and total.due_accuracy == 0.0
    assert hit.wrong_dues == ((gold.action_items[0], Action("Ana", "Send budget", "2026-03-12")),)


def test_the_package_scorer_gives_the_shared_scorers_numbers(tmp_path: Path) -> None:
    """Predictions made from the gold by dropping, re-owning, rewording and re-dating items."""
    folder = tmp_path / "gold"
    folder.mkdir()
    for meeting in (*read_gold_folder(TINY), *read_gold_folder(SHARED)):
        for suffix in (".txt", ".gold.json"):
            source = meeting.script.with_name(meeting.id + suffix)
            (folder / source.name).write_bytes(source.read_bytes())
    for variant in range(4):
        predictions = tmp_path / f"pred{variant}"
        predictions.mkdir()
        ours = []
        for meeting in read_gold_folder(folder):
            pred = perturbed(meeting.gold, variant)
            ours.append(score_meeting(meeting.id, meeting.gold, pred))
            (predictions / f"{meeting.id}.json").write_text(json.dumps(as_prediction(pred)))
        theirs = reference_scores(folder, predictions, tmp_path)
        for mine, row in zip(ours, theirs["per_meeting"], strict=True):
            assert mine.id == row["id"]
            assert (mine.actions.tp, mine.actions.gold, mine.actions.pred, mine.due_correct) == (
                row["a_tp"],
                row["a_g"],
                row["a_p"],
                row["due_ok"],
            )
            assert (mine.decisions.tp, mine.decisions.gold, mine.decisions.pred) == (
                row["d_tp"],
                row["d_g"],
                row["d_p"],
            )
        total = overall(ours)
        assert total.actions.f1 == pytest.approx(theirs["overall"]["action_items"]["f"])
        assert total.decisions.f1 == pytest.approx(theirs["overall"]["decisions"]["f"])
        assert total.due_accuracy == pytest.approx(theirs["overall"]["due_acc"])


def perturbed(gold: Annotations, variant: int) -> Annotations:
    actions = []
    for index, action in enumerate(gold.action_items):
        if (index + variant) % 4 == 0:
            continue  # dropped: a miss
        owner = action.owner
        if (index + variant) % 5 == 1:
            owner = "Somebody"
        task = action.task if variant % 2 else " ".join(action.task.split()[:2]) + " soon"
        due = action.due if (index + variant) % 3 else "2026-12-31"
        actions.append(Action(owner, task, due))
    actions.append(Action(None, "Water the office plants"))  # an extra
    decisions = [
        Agreed(d.text if (i + variant) % 2 else d.text.split()[0] + " everything")
        for i, d in enumerate(gold.decisions)
    ]
    return Annotations(tuple(actions), tuple(decisions))


def as_prediction(pred: Annotations) -> dict[str, Any]:
    return {
        "action_items": [{"owner": a.owner, "task": a.task, "due": a.due}
                         for a in pred.action_items],
        "decisions": [{"text": d.text} for d in pred.decisions],
    }  # fmt: skip


# The command -----------------------------------------------------------------------------------


def test_minutes_eval_prints_scores_misses_extras_and_the_model_and_prompt_it_ran(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, *TINY_ANSWERS)
    result = minutes(tmp_path, "eval", str(TINY), **openai_env(fake))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"openai (model gpt-4o-mini-2024-07-18, prompt version {PROMPT_VERSION})" in out
    assert "t01_office_move |                2/3/3 0.667 0.667 0.667 | 0.500 |" in out
    assert "t02_newsletter  |                1/2/1 1.000 0.500 0.667 | 1.000 |" in out
    assert "OVERALL (micro) |                3/5/4 0.750 0.600 0.667 | 0.667 |" in out
    assert "action missed:   [nobody] Tell the landlord the moving date" in out
    assert "action extra:    [Ana] Repaint the kitchen" in out
    assert "due wrong:       [Carla] Order the new desks (due 2026-03-12): got 2026-03-13" in out
    assert "action missed:   [Dana] Review the newsletter draft (due 2026-03-18)" in out
    assert "decision extra:  Publish on Friday" in out
    assert out.strip().endswith("action_items_f1=0.6667 decisions_f1=0.8000 due_acc=0.6667")
    assert len(fake.seen(CHAT)) == 2


def test_minutes_eval_json_gives_the_same_numbers_for_ci(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.enqueue(CHAT, *TINY_ANSWERS)
    result = minutes(tmp_path, "eval", str(TINY), "--json", **openai_env(fake))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summarizer"]["model"] == "gpt-4o-mini-2024-07-18"
    assert document["summarizer"]["prompt_version"] == PROMPT_VERSION
    total = document["overall"]
    assert (total["action_items"]["precision"], total["action_items"]["recall"]) == (0.75, 0.6)
    assert total["action_items"]["f1"] == pytest.approx(2 / 3)
    assert total["decisions"]["f1"] == pytest.approx(0.8)
    assert total["due_accuracy"] == pytest.approx(2 / 3)
    t02 = document["meetings"][1]
    assert t02["id"] == "t02_newsletter" and t02["decisions"]["precision"] == 0.5
    assert t02["missed_action_items"] == [
        {"owner": "Dana", "task": "Review the newsletter draft", "due": "2026-03-18"}
    ]
    assert t02["extra_decisions"] == ["Publish on Friday"]


def test_eval_against_a_second_config_shows_both_side_by_side_with_the_difference(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, *TINY_ANSWERS)
    (tmp_path / "embedded.toml").write_text('[summarizer]\nname = "extractive"\n')
    (tmp_path / "model.toml").write_text(
        f'[summarizer]\nname = "openai"\n[openai]\nbase_url = "{fake.url}"\n'
    )
    args = ("eval", str(TINY), "--config", str(tmp_path / "embedded.toml"),
            "--against", str(tmp_path / "model.toml"))  # fmt: skip
    document = json.loads(minutes(tmp_path, *args, "--json").stdout)
    a, b = document["a"]["overall"], document["b"]["overall"]
    assert document["a"]["summarizer"]["name"] == "extractive"
    assert document["b"]["summarizer"]["name"] == "openai"
    difference = document["difference"]
    assert difference["action_f1"] == pytest.approx(
        b["action_items"]["f1"] - a["action_items"]["f1"]
    )
    assert difference["decision_recall"] == pytest.approx(
        b["decisions"]["recall"] - a["decisions"]["recall"]
    )
    assert b["decisions"]["f1"] == pytest.approx(0.8)  # the answers above, through config B
    fake.enqueue(CHAT, *TINY_ANSWERS)
    text = minutes(tmp_path, *args).stdout
    assert "A: extractive" in text and "B: openai (model gpt-4o-mini-2024-07-18" in text
    delta = b["decisions"]["f1"] - a["decisions"]["f1"]
    assert f"{'decision F1':<22} {a['decisions']['f1']:6.3f} {0.8:6.3f} {delta:+7.3f}" in text


def test_the_embedded_summarizer_on_a_shared_meeting_scores_what_the_shared_scorer_says(
    tmp_path: Path,
) -> None:
    """A real run: ``minutes summarize --json`` output scored by the reference, against eval."""
    predictions = tmp_path / "pred"
    predictions.mkdir()
    script = SHARED / "m04_customer_call.txt"
    summarized = minutes(tmp_path, "summarize", str(script), "--json")
    assert summarized.returncode == 0, summarized.stderr
    (predictions / "m04_customer_call.json").write_text(summarized.stdout)
    theirs = reference_scores(SHARED, predictions, tmp_path)
    result = minutes(tmp_path, "eval", str(SHARED), "--json")
    assert result.returncode == 0, result.stderr
    ours = json.loads(result.stdout)
    assert ours["summarizer"]["name"] == "extractive"
    counts = ours["meetings"][0]
    row = theirs["per_meeting"][0]
    assert (counts["action_items"]["tp"], counts["action_items"]["gold"]) == (
        row["a_tp"],
        row["a_g"],
    )
    assert counts["action_items"]["predicted"] == row["a_p"] > 0
    assert counts["decisions"]["tp"] == row["d_tp"]
    assert ours["overall"]["action_items"]["f1"] == pytest.approx(
        theirs["overall"]["action_items"]["f"]
    )
    assert ours["overall"]["due_accuracy"] == pytest.approx(theirs["overall"]["due_acc"])


def test_a_folder_without_annotated_meetings_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = minutes(tmp_path, "eval", str(tmp_path / "empty"))
    assert result.returncode == 3
    assert result.stderr.strip().endswith("holds no <id>.gold.json files")
