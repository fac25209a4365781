"""Spoken forms of numbers and e-mail addresses, rewritten as they would be written.

A transcript says "john dot smith at acme dot com" and "five five five, one two three, four five
six seven"; Presidio's recognizers look for "john.smith@acme.com" and "555 123 4567". This module
only rewrites the text and remembers where each rewrite came from, so a span found in the
rewritten text maps back to the words that were said. Deciding what a rewritten span *is* (a
valid phone number, a card number that passes Luhn, an address with a real top-level domain) is
left to Presidio's own recognizers (``daemon.privacy.recognizers``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from daemon.privacy.number_words import DIGIT_WORDS, PAIR_WORDS, number_at
from daemon.privacy.rewrites import Rewrite
from daemon.privacy.spoken_email import spoken_emails

__all__ = ["Rewrite", "Rewritten", "rewrite"]

REPEATS = {"double": 2, "triple": 3}
# Hesitations said inside a number ("two one two, um, five five five"): a pause between groups.
FILLERS = {"um", "uh", "er", "erm", "uhm", "hmm"}
_PAUSES = FILLERS | {","}
EXTENSIONS = {"extension", "ext", "x"}
# Words and marks that separate groups of a spoken number ("five five five, one two three").
GROUP_BREAKS = {",", "-", "dash", "hyphen"}
DOTS = {"dot", "point"}
# A run of a spoken number needs this many digits before it is worth rewriting: fewer are
# quantities ("two or three"), not identifiers.
MIN_DIGITS = 6

# A run of seven or ten digits said without a pause is written as local and national numbers
# are (555 1234, 212 555 0173), so the phone recognizers see its groups; other lengths (cards,
# accounts) are left as one run, which their recognizers read whole.
LOCAL_GROUPS = {7: (3, 4), 10: (3, 3, 4)}

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


@dataclass(frozen=True)
class Rewritten:
    """A text with its spoken forms written out, and the way back to the original."""

    original: str
    text: str
    rewrites: tuple[Rewrite, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of ``text[start:end]``, or None if it touches no rewrite.

        A span that covers part of a rewrite grows to the whole of it: half a spoken number
        is still the number.
        """
        shift = 0  # how much longer the rewritten text is than the original, so far
        touched = False
        mapped_start, mapped_end = start, end
        for r in self.rewrites:
            begin = r.start + shift
            finish = begin + len(r.written)
            if start >= finish:
                mapped_start = start - shift - (len(r.written) - (r.end - r.start))
            elif start >= begin:
                mapped_start = r.start
            if end > finish:
                mapped_end = end - shift - (len(r.written) - (r.end - r.start))
            elif end > begin:
                mapped_end = r.end
            touched = touched or (start < finish and end > begin)
            shift += len(r.written) - (r.end - r.start)
        return (mapped_start, mapped_end) if touched else None


def rewrite(text: str) -> Rewritten:
    """``text`` with spoken e-mail addresses and long spoken numbers written out."""
    rewrites = sorted(_emails(text), key=lambda r: r.start)
    taken = [(r.start, r.end) for r in rewrites]
    for number in _numbers(text):
        if not any(number.start < end and number.end > start for start, end in taken):
            rewrites.append(number)
    rewrites.sort(key=lambda r: r.start)
    pieces: list[str] = []
    cursor = 0
    for r in rewrites:
        pieces += [text[cursor : r.start], r.written]
        cursor = r.end
    pieces.append(text[cursor:])
    return Rewritten(text, "".join(pieces), tuple(rewrites))


def _emails(text: str) -> Iterator[Rewrite]:
    for email in spoken_emails(text):
        said = text[email.start : email.end]
        if "@" in said and not re.search(r"\s(?:dot|underscore|dash|hyphen|plus)\s", said, re.I):
            continue  # written the usual way: Presidio's e-mail recognizer reads it as it is
        yield email


def _numbers(text: str) -> Iterator[Rewrite]:
    """Runs of spoken (or mixed) digits: "oh two zero, seven nine four six" -> "020 7946"."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    index = 0
    while index < len(tokens):
        found = _run_from(tokens, index)
        if found is None:
            index += 1
            continue
        rewrite_, index = found
        if rewrite_ is not None:
            yield rewrite_


def _run_from(tokens: list[tuple[int, int, str]], index: int) -> tuple[Rewrite | None, int] | None:
    """The number starting at ``tokens[index]`` (if worth rewriting) and the index after it."""
    parts: list[str] = []  # digit groups, and "." where a dot was said
    current = ""
    spoken = False
    i = index
    prefix = ""
    if tokens[i][2].lower() == "plus" and _next_is_digit(tokens, i):
        prefix, spoken, i = "+", True, i + 1  # "plus 91 98765 43210": the "+" was said
    if tokens[i][2].lower() in ("oh", "o") and not _next_is_digit(tokens, i):
        return None  # "oh, right": an exclamation, not a zero
    end = tokens[i][1]
    while i < len(tokens):
        word = tokens[i][2]
        lower = word.lower()
        said = _number_word(tokens, i)
        if lower in REPEATS and _next_is_digit(tokens, i):
            current += _digit(tokens[i + 1][2]) * REPEATS[lower]
            spoken, end, i = True, tokens[i + 1][1], i + 2
        elif word.isdigit():
            parts += [current, word] if current else [word]
            current, end, i = "", tokens[i][1], i + 1
        elif said is not None:
            current += said[0]
            spoken, end, i = True, tokens[said[1] - 1][1], said[1]
        elif lower == "hundred" and current:
            current += "00"  # "one eight hundred": 1800
            end, i = tokens[i][1], i + 1
        elif lower in EXTENSIONS and [*parts, current] != [""] and _next_is_digit(tokens, i):
            # "extension two one four" belongs to the number before it: "... ext 214".
            parts += [current, "ext"] if current else ["ext"]
            current, i = "", i + 1
        elif lower in FILLERS and [*parts, current] != [""] and _digit_follows(tokens, i):
            if current:
                parts.append(current)
            current, i = "", i + 1
        elif (lower in GROUP_BREAKS or lower in DOTS) and [*parts, current] != [""]:
            extension = (
                i + 1 < len(tokens)
                and tokens[i + 1][2].lower() in EXTENSIONS
                and _next_is_digit(tokens, i + 1)
            )  # "..., extension two one four"
            if not (_digit_follows(tokens, i) or _next_is_repeat(tokens, i) or extension):
                break
            if current:
                parts.append(current)
            current = ""
            spoken = spoken or word.isalpha()  # "10 dot 0 dot 0 dot 12" was said, not typed
            if lower in DOTS:
                parts.append(".")
            i += 1
        else:
            break
    if current:
        parts.append(current)
    if not parts:
        return None
    digits = sum(len(p) for p in parts if p.isdigit())
    # Four groups joined by dots are an address ("ten dot zero dot zero dot five") even short.
    if not spoken or (digits < MIN_DIGITS and parts.count(".") != 3):
        return None, i
    if len(parts[0]) in LOCAL_GROUPS and parts[1:2] in ([], ["ext"]):
        # "five five five one two three four" said in one breath, with or without an extension
        parts = _grouped(parts[0]) + parts[1:]
    return Rewrite(tokens[index][0], end, prefix + _written(parts)), i


def _grouped(digits: str) -> list[str]:
    """A run said without pauses, in the groups a phone number of its length is written in."""
    sizes = LOCAL_GROUPS[len(digits)]
    out, at = [], 0
    for size in sizes:
        out.append(digits[at : at + size])
        at += size
    return out


def _number_word(tokens: list[tuple[int, int, str]], i: int) -> tuple[str, int] | None:
    """The digits said by the word(s) at ``tokens[i]`` and the index after them, or None."""
    said = number_at([t[2] for t in tokens[i : i + 2]], 0)
    return None if said is None else (said[0], i + said[1])


def _next_is_digit(tokens: list[tuple[int, int, str]], i: int) -> bool:
    return i + 1 < len(tokens) and (
        bool(_digit(tokens[i + 1][2])) or tokens[i + 1][2].lower() in PAIR_WORDS
    )


def _digit_follows(tokens: list[tuple[int, int, str]], i: int) -> bool:
    """Whether a digit comes next, past hesitations and the pauses around them ("..., uh, five")."""
    j = i
    while j + 1 < len(tokens) and j - i < 3 and tokens[j + 1][2].lower() in _PAUSES:
        j += 1
    return _next_is_digit(tokens, j)


def _next_is_repeat(tokens: list[tuple[int, int, str]], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1][2].lower() in REPEATS


def _digit(word: str) -> str:
    if word.isdigit():
        return word
    return DIGIT_WORDS.get(word.lower(), "")


def _written(parts: list[str]) -> str:
    """Groups joined the way they are written: "192.168.1.20", "555 123 4567"."""
    out = ""
    for part in parts:
        if part == "." or out.endswith(".") or not out:
            out += part
        else:
            out += " " + part
    return out
