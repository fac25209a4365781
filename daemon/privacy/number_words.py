"""The words of spoken digits, the one vocabulary both readers of spoken forms share.

People say identifiers digit by digit ("five five five"), in pairs ("thirty four", "twelve") and
with "oh" for zero; ``daemon.privacy.spoken`` reads numbers with these words and
``daemon.privacy.spoken_email`` reads the digits inside addresses ("anna k ninety two at ...",
"one six three dot com").
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DIGIT_WORDS", "NUMBER_WORDS", "PAIR_WORDS", "TEENS", "TENS", "said_digits"]

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


def said_digits(words: Sequence[str]) -> str | None:
    """The digits ``words`` say ("ninety two" -> "92", "one six three" -> "163"), or None
    unless every word is a number word and the first says a digit without doubt."""
    lower = [w.lower() for w in words]
    if not lower or lower[0] not in NUMBER_WORDS:
        return None
    out = ""
    i = 0
    while i < len(lower):
        word = lower[i]
        if word in TEENS:
            out += TEENS[word]
        elif word in TENS:
            unit = DIGIT_WORDS.get(lower[i + 1], "") if i + 1 < len(lower) else ""
            if unit and unit != "0":
                out += TENS[word] + unit
                i += 1
            else:
                out += TENS[word] + "0"
        elif word in DIGIT_WORDS:
            out += DIGIT_WORDS[word]
        else:
            return None
        i += 1
    return out
