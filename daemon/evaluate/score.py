"""Scoring a summary against gold annotations, by the shared meeting set's rules.

The rules are those of ``shared/meetings/score.py`` (its README, "Scoring"), reimplemented here
because a user of ``minutes eval`` has no shared folder; ``tests/test_eval.py`` holds both to the
same numbers. In short:

- text is lowercased and split on non-alphanumerics; stopwords (with a few fillers and generic
  verbs) and one-letter words are dropped; number words become digits, "21st" becomes "21";
  light suffix stripping (-ies/-s, -ing, -ed, final -e);
- an action item matches when the owners are equal ignoring case (null, "", "none", "tbd"...
  all mean nobody) and the tasks' token-set Jaccard is at least 0.3, or every key term of the
  gold task (its content words after the first, the imperative verb) is in the predicted task;
- a decision matches at Jaccard 0.3;
- matches are one-to-one, greedy, highest Jaccard first (ties: key-term containment, then gold
  order, then predicted order);
- per meeting, no gold and no predictions scores 1.0; overall scores are micro-averaged;
- due accuracy is the share of matched action items whose due date equals the gold one (both
  null counts as equal), 0 overall when nothing matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from daemon.evaluate.gold import Action, Agreed, Annotations

JACCARD_THRESHOLD = 0.3

STOPWORDS = frozenset(
    """
a about above after again against all am an and any are as at be because been
before being below between both but by can could did do does doing done down
during each few for from further get gets getting got had has have having he her
here hers herself him himself his how i if in into is it its itself just let lets
me more most my myself need needs no nor not now of off on once only or other our
ours ourselves out over own please same she should so some such than that the
their theirs them themselves then there these they this those through to too
under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves also really um uh okay ok yeah
make sure whether instead percent since s t re ll ve d m
""".split()
)

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
NUMBER_WORDS = {
    **{word: str(value) for value, word in enumerate(_UNITS)},
    **{"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60"},
    **{"seventy": "70", "eighty": "80", "ninety": "90"},
}

NULL_OWNERS = frozenset({"", "none", "null", "unassigned", "unknown", "tbd", "n/a", "na", "nobody"})

T = TypeVar("T")

_ORDINAL = re.compile(r"\d+(st|nd|rd|th)")


# Normalisation ---------------------------------------------------------------------------------


def stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif len(token) > 4 and token.endswith("sses"):
        token = token[:-2]
    elif len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) >= 6 and token.endswith("ing"):
        token = token[:-3]
    elif len(token) >= 5 and token.endswith("ed"):
        token = token[:-2]
    if len(token) >= 4 and token.endswith("e"):
        token = token[:-1]
    return token


def tokens(text: str | None) -> list[str]:
    lowered = (text or "").lower().replace("\u2019", "'")
    found = []
    for token in re.findall(r"[a-z0-9]+", lowered):
        if token in STOPWORDS or (len(token) == 1 and not token.isdigit()):
            continue
        if token in NUMBER_WORDS:
            found.append(NUMBER_WORDS[token])
        elif _ORDINAL.fullmatch(token):
            found.append(token[:-2])
        else:
            found.append(stem(token))
    return found


def key_terms(task: str) -> frozenset[str]:
    """The gold task's content words after its first word, the imperative verb."""
    words = task.strip().split(None, 1)
    return frozenset(tokens(words[1])) if len(words) == 2 else frozenset()


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def owner_key(owner: str | None) -> str | None:
    if owner is None:
        return None
    lowered = owner.strip().lower()
    return None if lowered in NULL_OWNERS else lowered


# Matching --------------------------------------------------------------------------------------


def match_actions(gold: Sequence[Action], pred: Sequence[Action]) -> list[tuple[int, int]]:
    """Matched (gold index, predicted index) pairs, one-to-one, best first."""
    gold_tokens = [frozenset(tokens(g.task)) for g in gold]
    gold_keys = [key_terms(g.task) for g in gold]
    pred_tokens = [frozenset(tokens(p.task)) for p in pred]
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if owner_key(g.owner) != owner_key(p.owner):
                continue
            similarity = jaccard(gold_tokens[gi], pred_tokens[pi])
            contained = bool(gold_keys[gi]) and gold_keys[gi] <= pred_tokens[pi]
            if similarity >= JACCARD_THRESHOLD or contained:
                candidates.append(((-similarity, 0 if contained else 1, gi, pi), gi, pi))
    return _greedy(candidates)


def match_decisions(gold: Sequence[Agreed], pred: Sequence[Agreed]) -> list[tuple[int, int]]:
    gold_tokens = [frozenset(tokens(g.text)) for g in gold]
    pred_tokens = [frozenset(tokens(p.text)) for p in pred]
    candidates = []
    for gi in range(len(gold)):
        for pi in range(len(pred)):
            similarity = jaccard(gold_tokens[gi], pred_tokens[pi])
            if similarity >= JACCARD_THRESHOLD:
                candidates.append(((-similarity, 0, gi, pi), gi, pi))
    return _greedy(candidates)


def _greedy(
    candidates: list[tuple[tuple[float, int, int, int], int, int]],
) -> list[tuple[int, int]]:
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, gi, pi in sorted(candidates):
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        pairs.append((gi, pi))
    return pairs


# Scores ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """True positives, gold and predicted items; precision, recall and F1 from them."""

    tp: int = 0
    gold: int = 0
    pred: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.gold + other.gold, self.pred + other.pred)

    @property
    def precision(self) -> float:
        return self._prf()[0]

    @property
    def recall(self) -> float:
        return self._prf()[1]

    @property
    def f1(self) -> float:
        return self._prf()[2]

    def _prf(self) -> tuple[float, float, float]:
        if self.gold == 0 and self.pred == 0:
            return 1.0, 1.0, 1.0
        precision = self.tp / self.pred if self.pred else 0.0
        recall = self.tp / self.gold if self.gold else 0.0
        total = precision + recall
        return precision, recall, (2 * precision * recall / total if total else 0.0)


@dataclass(frozen=True)
class MeetingScore:
    """One meeting's counts, with what was missed, what was extra and which dates were wrong."""

    id: str
    actions: Counts
    decisions: Counts
    due_correct: int
    missed_actions: tuple[Action, ...] = ()
    extra_actions: tuple[Action, ...] = ()
    wrong_dues: tuple[tuple[Action, Action], ...] = ()  # (gold, predicted)
    missed_decisions: tuple[Agreed, ...] = ()
    extra_decisions: tuple[Agreed, ...] = ()

    @property
    def due_accuracy(self) -> float | None:
        """None when no action item matched: there is nothing to judge."""
        return self.due_correct / self.actions.tp if self.actions.tp else None


@dataclass(frozen=True)
class OverallScore:
    """Micro-averaged over meetings: the counts are summed before dividing."""

    actions: Counts
    decisions: Counts
    due_correct: int

    @property
    def due_accuracy(self) -> float:
        return self.due_correct / self.actions.tp if self.actions.tp else 0.0


def score_meeting(meeting_id: str, gold: Annotations, pred: Annotations) -> MeetingScore:
    action_pairs = match_actions(gold.action_items, pred.action_items)
    decision_pairs = match_decisions(gold.decisions, pred.decisions)
    matched = [(gold.action_items[g], pred.action_items[p]) for g, p in action_pairs]
    wrong = tuple((g, p) for g, p in matched if g.due != p.due)
    return MeetingScore(
        id=meeting_id,
        actions=Counts(len(action_pairs), len(gold.action_items), len(pred.action_items)),
        decisions=Counts(len(decision_pairs), len(gold.decisions), len(pred.decisions)),
        due_correct=len(matched) - len(wrong),
        missed_actions=_unmatched(gold.action_items, (g for g, _ in action_pairs)),
        extra_actions=_unmatched(pred.action_items, (p for _, p in action_pairs)),
        wrong_dues=wrong,
        missed_decisions=_unmatched(gold.decisions, (g for g, _ in decision_pairs)),
        extra_decisions=_unmatched(pred.decisions, (p for _, p in decision_pairs)),
    )


def overall(scores: Iterable[MeetingScore]) -> OverallScore:
    actions, decisions, due = Counts(), Counts(), 0
    for score in scores:
        actions += score.actions
        decisions += score.decisions
        due += score.due_correct
    return OverallScore(actions, decisions, due)


def _unmatched(items: Sequence[T], matched: Iterable[int]) -> tuple[T, ...]:
    taken = set(matched)
    return tuple(item for index, item in enumerate(items) if index not in taken)
