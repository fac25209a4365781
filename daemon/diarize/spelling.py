"""Which roster name a heard word stands for: spelling and a rough phonetic key.

ASR misspells names it has not been told ("Shivon" for Siobhan, "Gen" for Jen); a roster entry
is matched when the word is close to it in spelling or in sound, and to no other entry as well.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import cache, lru_cache

from daemon import nlp
from daemon.diarize import cues


class Roster:
    """The expected attendees, and which of them a (possibly misheard) word stands for."""

    def __init__(self, names: Sequence[str]) -> None:
        self.entries = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        aliases: dict[str, set[str]] = defaultdict(set)
        for entry in self.entries:
            parts = [p.casefold() for p in cues.WORD.findall(entry)]
            for alias in {entry.casefold(), *parts[:1], *parts[-1:]}:
                aliases[alias].add(entry)
        # A first name two attendees share identifies neither of them.
        self._aliases = {a: next(iter(e)) for a, e in aliases.items() if len(e) == 1}
        self.match = cache(self._match)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def _match(self, word: str) -> str | None:
        word = word.casefold()
        if word in self._aliases:
            return self._aliases[word]
        if len(word) < 3 or word in cues.NOT_NAMES or word in nlp.english().Defaults.stop_words:
            return None
        # A misheard name keeps its first sound and about its length: skip other aliases.
        scored = sorted(
            (similarity(word, alias), entry) for alias, entry in self._aliases.items()
            if sound(alias)[:1] == sound(word)[:1] and abs(len(alias) - len(word)) <= 3
        )[::-1]  # fmt: skip
        if not scored or scored[0][0] < 0.8:
            return None
        if len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][1] != scored[0][1]:
            return None  # as close to two attendees: a guess would be a coin toss
        return scored[0][1]


@lru_cache(maxsize=4096)
def similarity(a: str, b: str) -> float:
    """How alike two names look or sound, 0..1: the better of spelling and phonetic key."""
    spelled = 1 - edits(a, b) / max(len(a), len(b))
    ka, kb = sound(a), sound(b)
    if len(ka) < 2 or len(kb) < 2 or ka[0] != kb[0]:
        return spelled  # "Leo" and "Lee" are both just "l": too short to sound alike
    return max(spelled, 1 - edits(ka, kb) / max(len(ka), len(kb), 3))


SOUND_RULES = (
    (r"^s[ie](?=[aeiou])", "x"),  # Siobhan, Sean: sh-
    (r"[bm]h|ph|v", "f"),  # Irish bh and mh sound like v; v and f are kept together
    (r"sch|sh|sz|cz|ch|ti(?=[aeo])", "x"),
    (r"th", "t"),
    (r"ck|q|c(?![eiy])", "k"),
    (r"g(?=[eiy])|dg", "j"),  # ASR writes "Gen" for Jen
    (r"c", "s"),
    (r"dh|gh|h|w|y", ""),
    (r"z", "s"),
    (r"(.)\1+", r"\1"),
)


@lru_cache(maxsize=4096)
def sound(name: str) -> str:
    """A rough phonetic key: the consonant skeleton after English and Irish spelling rules."""
    key = re.sub(r"[^a-z]", "", name.lower())
    for pattern, replacement in SOUND_RULES:
        key = re.sub(pattern, replacement, key)
    return key[:1] + re.sub(r"[aeiou]", "", key[1:])


def edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]
