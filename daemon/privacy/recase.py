"""Capital letters for transcripts that have none, so that names look like names to NER.

Some speech recognisers (and Whisper on some audio) write "thanks siobhan can you ask tomasz",
all in lower case. spaCy's small English model, like every NER model trained on edited text,
leans hard on capitals: on such a line it finds almost no person. A person reading it still sees
the names, because they are words writers capitalise. This module does what that reader
does, as a truecaser would: in a text with no capital letters, each word that the casing table
(``daemon.privacy.casing``) says is mostly written with a capital, or, for words too rare for
the table, that is no English word (WordNet's lists, in any inflection) and no function word,
gets a capital first letter. Only case changes, so every offset into the recased text is an
offset into the original.

What it cannot see are names that are mostly words ("mark", "grace", "bill"): those stay as
they are, and only a roster (speaker names) or ``privacy.deny`` finds them in uncased text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.nlp import Lexicon

__all__ = ["could_be_name", "is_uncased", "recased"]

# A word: letters, with inner apostrophes or hyphens ("o'connor", "garcía-lópez").
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# A text with fewer capitals than this share of its words was written without case.
UNCASED_SHARE = 0.05
# How much more often (log) a word must be written with a capital to be taken for a name:
# "frank" (1.3) is, "rose" (0.2) and "mark" (-0.7) are not.
NAME_WEIGHT = 1.0
# A word its writer capitalised where a sentence does not start needs less: "Ask Dawn" (0.2),
# "with Bill" (-0.4); not "with Legal" (-3.6) or "and Finance" (-1.9).
WRITTEN_NAME_WEIGHT = -1.0
# "klaus's", "she'll": the clitic is not part of the word.
_CLITIC = re.compile(r"['\u2019](?:s|ll|re|ve|d|t|m)$", re.IGNORECASE)
# Sounds and forms of speech that are no dictionary word and no name either.
SPEECH = frozenset(
    "um uh er erm hmm mm mhm uhm ah oh eh okay ok yeah yep nope gonna wanna gotta kinda sorta "
    "ya lol alright".split()
)


def is_uncased(text: str) -> bool:
    """Whether ``text`` was written without capital letters (a lone "I" aside)."""
    words = [m.group() for m in _WORD.finditer(text)]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() and w not in ("I", "I'm", "I'll"))
    return capitalised <= UNCASED_SHARE * len(words)


def recased(text: str) -> str:
    """``text`` with a capital on each word that can only be a name; same length, same offsets.

    A text that has capitals already is returned as it is: its writer's case is better evidence
    than this guess.
    """
    if not is_uncased(text):
        return text
    chars = list(text)
    for match in _WORD.finditer(text):
        word = _CLITIC.sub("", match.group())
        if not could_be_name(word):
            continue
        for start in _part_starts(match.start(), word):
            upper = chars[start].upper()
            if len(upper) == 1:  # "ß".upper() is "SS": it would move every offset after it
                chars[start] = upper
    return "".join(chars)


def could_be_name(word: str, *, capitalised_by_writer: bool = False) -> bool:
    """Whether writers would capitalise ``word``: a name, or no word of English at all.

    The casing table decides for the words it has seen often enough ("maria" yes, "mark" no;
    with ``capitalised_by_writer``, a capital the writer gave it mid-sentence, "Mark" yes);
    a rarer word is a name when it is neither an English word in any inflection nor a function
    word. A word with hyphens is a name when each part is ("garcía-lópez"; not "co-founder").
    """
    threshold = WRITTEN_NAME_WEIGHT if capitalised_by_writer else NAME_WEIGHT
    parts = [p for p in re.split(r"['\u2019-]", word.lower()) if len(p) > 1]
    return bool(parts) and all(_name_part(p, threshold) for p in parts)


def _name_part(part: str, threshold: float) -> bool:
    stop_words, words, capital_weight = _vocabulary()
    if part in stop_words or part in SPEECH:
        return False
    weight = capital_weight(part)
    if weight is not None:
        return weight >= threshold
    return not any(words.has(part, pos) for pos in ("noun", "verb", "adj", "adv"))


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], Lexicon, Callable[[str], float | None]]:
    """What tells a name from a word, looked up once: every word of a transcript asks."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from daemon.nlp import lexicon
    from daemon.privacy.casing import capital_weight

    return frozenset(STOP_WORDS), lexicon(), capital_weight


def _part_starts(start: int, word: str) -> list[int]:
    """Where each part of ``word`` starts: "garcía-lópez" has two capitals, "o'connor" too."""
    starts = [start]
    for m in re.finditer(r"['\u2019-]", word):
        starts.append(start + m.end())
    return starts
