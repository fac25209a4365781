"""The words of spoken digits, the one vocabulary both readers of spoken forms share.

People say identifiers digit by digit ("five five five"), in pairs ("thirty four", "twelve") and
with "oh" for zero; ``daemon.privacy.spoken`` reads numbers with these words and
``daemon.privacy.spoken_email`` reads the digits inside addresses ("anna k ninety two at ...",
"one six three dot com").
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DIGIT_WORDS", "NUMBER_WORDS", "PAIR_WORDS", "TEENS", "TENS", "number_at", "said_digits"]

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
    "eighty": "8", "ninety": "9",
}  # fmt: skip
PAIR_WORDS = TEENS.keys() | TENS.keys()
# Words that say digits without doubt; "o" and "oh" are letters and exclamations as often.
NUMBER_WORDS = (DIGIT_WORDS.keys() - {"o", "oh"}) | PAIR_WORDS


def number_at(words: Sequence[str], i: int) -> tuple[str, int] | None:
    """The digits said by the word(s) at ``words[i]`` ("five", "twelve", "thirty four") and the
    index after them; None if it says no number. Written digits are not number words: "thirty
    4" is "30" and then a group of its own."""
    lower = words[i].lower()
    if lower in TEENS:
        return TEENS[lower], i + 1
    if lower in TENS:
        unit = DIGIT_WORDS.get(words[i + 1].lower(), "") if i + 1 < len(words) else ""
        if unit and unit != "0":
            return TENS[lower] + unit, i + 2
        return TENS[lower] + "0", i + 1
    digit = DIGIT_WORDS.get(lower)
    return (digit, i + 1) if digit else None


def said_digits(words: Sequence[str]) -> str | None:
    """The digits ``words`` say ("ninety two" -> "92", "one six three" -> "163"), or None
    unless every word is a number word and the first says a digit without doubt."""
    if not words or words[0].lower() not in NUMBER_WORDS:
        return None
    out = ""
    i = 0
    while i < len(words):
        said = number_at(words, i)
        if said is None:
            return None
        out += said[0]
        i = said[1]
    return out
