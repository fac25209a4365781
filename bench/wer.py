"""Word error rate with one documented text normalisation.

The same ``normalise`` is applied to the reference and to every hypothesis, in this order:

1. Unicode NFKC (folds ligatures, full-width forms, non-breaking spaces, ...).
2. Lowercase.
3. Curly quotes and apostrophes become straight ones: U+2018 U+2019 U+201A U+201B U+2032 U+02BC
   -> ``'``; U+201C U+201D U+201E U+201F U+2033 -> ``"``.
4. Commas inside numbers are removed (``1,000`` -> ``1000``).
5. Hyphens and dashes become spaces (``self-love`` -> ``self love``).
6. Numbers are spelled out in English words: integers 0..999999 (``42`` -> ``forty two``);
   larger integers digit by digit; a decimal part as ``point`` plus digits (``2.5`` -> ``two
   point five``); ordinal suffixes st/nd/rd/th become ordinal words (``21st`` -> ``twenty
   first``).
7. Punctuation and symbols are dropped (replaced by a space); apostrophes are kept only inside a
   word (``don't`` stays, ``'tis`` -> ``tis``, ``thy beauty's`` stays).
8. Whitespace is collapsed; the text is split on it into words.

WER is the word-level Levenshtein distance (substitutions + deletions + insertions, each costing
one) divided by the number of reference words. Corpus-level WER over several pairs is the sum of
edits over the sum of reference words, not a mean of per-pair rates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)
_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_HYPHENS = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?(?:(st|nd|rd|th)(?!\w))?")
# Everything that is neither a word character nor whitespace nor an apostrophe is punctuation;
# "_" counts as punctuation too although \w matches it.
_PUNCTUATION = re.compile(r"[^\w\s']|_")
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")


def int_to_words(n: int) -> str:
    """English words for 0 <= n <= 999999, without "and".

    1205 -> "one thousand two hundred five".
    """
    if not 0 <= n <= 999_999:
        raise ValueError(f"out of range: {n}")
    if n < 1000:
        return _below_thousand(n)
    thousands, rest = divmod(n, 1000)
    head = f"{_below_thousand(thousands)} thousand"
    return head if rest == 0 else f"{head} {_below_thousand(rest)}"


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest or not hundreds:
        words.append(_below_hundred(rest))
    return " ".join(words)


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] if ones == 0 else f"{_TENS[tens]} {_ONES[ones]}"


def _ordinal(words: str) -> str:
    *head, last = words.split()
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _digits(text: str) -> str:
    return " ".join(_ONES[int(d)] for d in text)


def _spell_number(match: re.Match[str]) -> str:
    integer, fraction, suffix = match.group(1), match.group(2), match.group(3)
    value = int(integer)
    # Leading zeros ("007") and huge numbers are read digit by digit, as people usually say them.
    plain = len(integer) == 1 or not integer.startswith("0")
    words = int_to_words(value) if plain and value <= 999_999 else _digits(integer)
    if suffix:
        words = _ordinal(words)
    if fraction:
        words = f"{words} point {_digits(fraction)}"
    # Spaces keep "mp3" from becoming the single word "mpthree".
    return f" {words} "


def normalise(text: str) -> list[str]:
    """The words of ``text`` after the normalisation documented in the module docstring."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    text = _NUMBER_COMMA.sub("", text)
    text = _HYPHENS.sub(" ", text)
    text = _NUMBER.sub(_spell_number, text)
    text = _PUNCTUATION.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub("", text)
    return _SPACES.sub(" ", text).strip().split()


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level Levenshtein distance.

    One DP row at a time in numpy, so a 3-hour transcript (~30k words each side, ~10^9 cells)
    takes seconds and O(len(hyp)) memory instead of hours in pure Python.
    """
    if not ref or not hyp:
        return max(len(ref), len(hyp))
    vocab: dict[str, int] = {}
    ref_ids = [vocab.setdefault(w, len(vocab)) for w in ref]
    hyp_ids = np.array([vocab.setdefault(w, len(vocab)) for w in hyp], dtype=np.int64)
    cols = np.arange(len(hyp) + 1, dtype=np.int64)
    prev = cols.copy()
    row = np.empty_like(prev)
    for i, word in enumerate(ref_ids, start=1):
        row[0] = i
        # Deletion (from above) and substitution/match (from the diagonal) are independent per
        # column; insertion (from the left) is a running minimum: row[j] = min_k(best[k] + j - k).
        np.minimum(prev[1:] + 1, prev[:-1] + (hyp_ids != word), out=row[1:])
        np.minimum.accumulate(row - cols, out=row)
        row += cols
        prev, row = row, prev
    return int(prev[-1])


@dataclass(frozen=True)
class WerResult:
    edits: int
    ref_words: int
    hyp_words: int

    @property
    def wer(self) -> float:
        if self.ref_words == 0:
            return 0.0 if self.hyp_words == 0 else float("inf")
        return self.edits / self.ref_words


def score(reference: str, hypothesis: str) -> WerResult:
    """Normalise both texts and count the edits between them."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    return WerResult(edits=edit_distance(ref, hyp), ref_words=len(ref), hyp_words=len(hyp))


def corpus_score(results: Iterable[WerResult]) -> WerResult:
    """Pool several pairs: sum of edits over sum of reference words."""
    items = list(results)
    return WerResult(
        edits=sum(r.edits for r in items),
        ref_words=sum(r.ref_words for r in items),
        hyp_words=sum(r.hyp_words for r in items),
    )
