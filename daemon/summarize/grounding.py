"""Check that every piece of evidence is really in the transcript, whoever wrote the summary.

Matching is on words, ignoring case and punctuation, and tolerates small ASR differences: a quote
counts as found where a window of the transcript agrees with it on at least 80% of its words
(by difflib's ratio). Found quotes get their start time from the segment they begin in.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from daemon.summarize.schema import ActionItem, Decision, Evidence, Summary
from daemon.summarize.text import WORD, Utterance, words

MIN_RATIO = 0.8


class Grounder:
    def __init__(self, utterances: Sequence[Utterance]) -> None:
        self.tokens: list[str] = []
        self.owner: list[Utterance] = []
        self.times: list[float | None] = []  # when each token was said (its segment's start)
        for utterance in utterances:
            for match in WORD.finditer(utterance.text.lower().replace("\u2019", "'")):
                self.tokens.append(match.group())
                self.owner.append(utterance)
                self.times.append(utterance.time_at(match.start()))
        self._positions: dict[str, list[int]] = {}
        for index, token in enumerate(self.tokens):
            self._positions.setdefault(token, []).append(index)

    def locate(self, quote: str) -> Utterance | None:
        """The utterance where ``quote`` starts, or None when it is not in the transcript."""
        found = self._find(quote)
        return None if found is None else self.owner[found]

    def _find(self, quote: str) -> int | None:
        """The token where ``quote`` starts, or None when it is not in the transcript."""
        needle = words(quote)
        if not needle:
            return None
        size = len(needle)
        candidates: set[int] = set()
        for offset, word in enumerate(needle[:3]):  # anchor on any of the first three words
            candidates.update(p - offset for p in self._positions.get(word, ()))
        best, best_ratio = None, 0.0
        for start in sorted(c for c in candidates if c >= 0):
            ratio = SequenceMatcher(None, needle, self.tokens[start : start + size]).ratio()
            if ratio > best_ratio:
                best, best_ratio = start, ratio
            if ratio == 1.0:
                break
        if best is None or best_ratio < MIN_RATIO:
            return None
        return best

    def check(self, evidence: Evidence) -> Evidence:
        token = self._find(evidence.quote)
        if token is None:
            return evidence.model_copy(update={"verified": False})
        when = self.times[token]
        return evidence.model_copy(
            update={
                "verified": True,
                "start": when if when is not None else evidence.start,
                "speaker": evidence.speaker or self.owner[token].speaker,
            }
        )


def ground(summary: Summary, utterances: Sequence[Utterance]) -> Summary:
    """Mark each action item's and decision's evidence verified or not, and time it."""
    grounder = Grounder(utterances)
    items: list[ActionItem] = [
        item.model_copy(update={"evidence": grounder.check(item.evidence)})
        for item in summary.action_items
    ]
    decisions: list[Decision] = [
        d.model_copy(update={"evidence": grounder.check(d.evidence)}) for d in summary.decisions
    ]
    return summary.model_copy(update={"action_items": items, "decisions": decisions})
