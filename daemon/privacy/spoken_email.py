"""E-mail addresses as a transcript writes them when they are said aloud.

People say "anna dot berg at nordic freight dot se", "p kowalski at vistula logistics dot pl",
"s m i t h j at post dot harbor city dot gov" or "info at sign green leaf farms dot com dot au".
What makes these an address is their shape around the "at", not a list of names:

- **after the "at"** (or "@", "at sign", "at symbol", "at the rate"): two or more domain labels
  joined by "dot", the last a single word of letters (whether it is a real top-level domain is
  left to Presidio's check of the rewritten address). A label is one to three words: companies
  are said as words ("blue river labs" is blueriverlabs), and two letters joined by "and" are
  one initialism ("r and d").
- **before it**: the word said just before, then, going back, every piece joined to it by "dot",
  "underscore", "dash", "hyphen" or "plus" (or their marks), a number said after a word or a
  full name ("nguyen 87", "dani ferreira seventy two"), and letters spelled out one by one
  ("p kowalski", "q a"). A pronoun is not a
  mailbox: "reach us at acme dot com" names a web site, not an address.

The scan is one pass over the tokens, forwards for the domain and backwards for the mailbox, so
a long transcript costs linear time whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from daemon.privacy.number_words import DIGIT_WORDS, PAIR_WORDS, said_digits
from daemon.privacy.rewrites import Rewrite

__all__ = ["spoken_emails"]

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|\S")
MAX_LABEL_WORDS = 3
LOCAL_JOINS = {
    "dot": ".", "period": ".", ".": ".", "underscore": "_", "_": "_", "dash": "-",
    "hyphen": "-", "-": "-", "plus": "+", "+": "+",
}  # fmt: skip
DOMAIN_DOTS = {"dot", "."}
# Words that end an address's mailbox when said before "at": a pronoun is who is reached, not
# the mailbox ("you can reach me at ...").
NOT_A_MAILBOX = {"me", "us", "you", "him", "her", "them", "it", "we", "they", "i", "one", "is"}
# A spoken number is not a top-level domain: "the box is at ten dot one dot two dot three".
NOT_A_TLD = DIGIT_WORDS.keys() | PAIR_WORDS
# Words that cannot be part of a domain label: they are the sentence around the address.
NOT_A_LABEL = {"at", "the", "a", "an", "and", "or", "to", "our", "my", "your", "their", "this"}
AT_SUFFIXES = (("sign",), ("symbol",), ("the", "rate"))
# Between a label's words "and" may stand ("r and d"); the other words still end it.
_ENDS_A_LABEL = NOT_A_LABEL - {"and"}


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    spaced: bool  # whitespace follows it

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


def spoken_emails(text: str) -> Iterator[Rewrite]:
    """Every address said in ``text``, left to right, none overlapping."""
    tokens = [
        _Token(m.start(), m.end(), m.group(), m.end() >= len(text) or text[m.end()].isspace())
        for m in _TOKEN.finditer(text)
    ]
    done = 0  # tokens before this index belong to an address already found
    for i, token in enumerate(tokens):
        if i < done or token.lower not in ("at", "@"):
            continue
        after = _after_at(tokens, i)
        domain = _domain(tokens, after)
        if domain is None:
            continue
        local = _mailbox(tokens, i - 1, done)
        if local is None:
            continue
        first, mailbox = local
        end, labels = domain
        yield Rewrite(
            tokens[first].start, tokens[end - 1].end, f"{mailbox}@{'.'.join(labels)}".lower()
        )
        done = end


def _after_at(tokens: Sequence[_Token], at: int) -> int:
    """The index after "at" and its spoken suffix ("sign", "symbol", "the rate")."""
    if tokens[at].lower != "at":
        return at + 1
    for suffix in AT_SUFFIXES:
        words = [t.lower for t in tokens[at + 1 : at + 1 + len(suffix)]]
        if tuple(words) == suffix:
            return at + 1 + len(suffix)
    return at + 1


def _domain(tokens: Sequence[_Token], i: int) -> tuple[int, list[str]] | None:
    """The labels of a domain starting at ``tokens[i]`` and the index after it, or None."""
    labels: list[str] = []
    while True:
        label = _label(tokens, i)
        if label is None:
            return None
        words, after = label
        if _is_dot(tokens, after) and _label(tokens, after + 1) is not None:
            labels.append(words)
            i = after + 1
            continue
        # The last label is one word of letters ("com", "uk", "io") or two or three letters
        # spelled out ("f r", "c o m").
        if labels and after - i == 1 and _spelled_letter(tokens[i]):
            words, after = _spelled(tokens, i)
        elif after - i != 1:
            return None
        if not labels or not words.isalpha() or len(words) < 2 or len(words) > 24:
            return None
        if words in NOT_A_TLD:
            return None
        if after < len(tokens) and tokens[after].lower in ("at", "@"):
            return None  # "john dot smith at acme dot com": the mailbox, not the domain
        labels.append(words)
        return after, labels


def _label(tokens: Sequence[_Token], i: int) -> tuple[str, int] | None:
    """The shortest run of one to three words at ``i`` that a dot (or the end) follows."""
    words: list[str] = []
    j = i
    while j < len(tokens) and len(words) < MAX_LABEL_WORDS:
        token = tokens[j]
        if words and _initialism_and(tokens, j):
            words.append("-and-")
            j += 1
            continue
        if not token.is_word or token.lower in NOT_A_LABEL:
            break
        words.append(token.lower)
        j += 1
        if _is_dot(tokens, j) or (len(words) == 1 and not _continues(tokens, j)):
            break
    if not words or words[-1] == "-and-":
        return None
    digits = said_digits(words)  # "one six three dot com" is 163.com
    return digits or "".join(words), j


def _spelled(tokens: Sequence[_Token], i: int) -> tuple[str, int]:
    """Two or three letters spelled out from ``tokens[i]`` ("f r"), and the index after."""
    j = i
    while j < len(tokens) and j - i < 3 and _spelled_letter(tokens[j]):
        j += 1
    if j - i < 2:
        return tokens[i].lower, i + 1
    return "".join(t.lower for t in tokens[i:j]), j


def _continues(tokens: Sequence[_Token], j: int) -> bool:
    """Whether a label's words may go on at ``tokens[j]``: only if a dot comes within reach."""
    for k in range(j, min(j + MAX_LABEL_WORDS, len(tokens))):
        if _is_dot(tokens, k):
            return True
        if not tokens[k].is_word or tokens[k].lower in _ENDS_A_LABEL:
            return False
    return False


def _initialism_and(tokens: Sequence[_Token], j: int) -> bool:
    """ "r and d": "and" between two single letters."""
    return (
        0 < j < len(tokens) - 1
        and tokens[j].lower == "and"
        and len(tokens[j - 1].text) == 1
        and tokens[j - 1].text.isalpha()
        and len(tokens[j + 1].text) == 1
        and tokens[j + 1].text.isalpha()
    )


def _is_dot(tokens: Sequence[_Token], j: int) -> bool:
    if j >= len(tokens):
        return False
    token = tokens[j]
    # A full stop followed by a space ends the sentence; "acme.com" has none.
    return token.lower == "dot" or (token.text == "." and not token.spaced)


def _mailbox(tokens: Sequence[_Token], last: int, floor: int) -> tuple[int, str] | None:
    """The mailbox ending at ``tokens[last]``: its first token's index and its written form."""
    if last < floor or not tokens[last].is_word:
        return None
    first, number = _said_number_before(tokens, last, floor)
    if not number and tokens[last].lower in NOT_A_MAILBOX:
        return None
    pieces = [number or tokens[last].lower]
    while first - 1 >= floor:
        before = tokens[first - 1]
        join = LOCAL_JOINS.get(before.lower)
        if join is not None and first - 2 >= floor and tokens[first - 2].is_word:
            pieces[:0] = [tokens[first - 2].lower, join]
            first -= 2
        elif before.is_word and (pieces[0].isdigit() or _spelled_in_mailbox(tokens, first - 1)):
            pieces.insert(0, before.lower)  # "nguyen 87", "s m i t h j", "p kowalski"
            first -= 1
            if pieces[1].isdigit() and _full_name_before(tokens, first, floor):
                pieces.insert(0, tokens[first - 1].lower)  # "dani ferreira 72": daniferreira72
                first -= 1
        else:
            break
    return first, "".join(pieces)


def _full_name_before(tokens: Sequence[_Token], first: int, floor: int) -> bool:
    """Whether the word before a name-and-number mailbox's name is a given name with it."""
    from daemon.privacy.recase import could_be_name

    return (
        first - 1 >= floor
        and tokens[first - 1].is_word
        and could_be_name(tokens[first].text)
        and could_be_name(tokens[first - 1].text)
    )


def _said_number_before(tokens: Sequence[_Token], last: int, floor: int) -> tuple[int, str]:
    """A number said at the end of a mailbox ("k ninety two", "anna two three"): the index of
    its first word and its digits, or (``last``, "") if the mailbox does not end in one. Only a
    number that follows a word counts: "one two at ..." alone is no mailbox."""
    first = last
    while first - 1 >= floor and said_digits([tokens[first - 1].text]) is not None:
        first -= 1
    for start in range(first, last + 1):
        digits = said_digits([t.text for t in tokens[start : last + 1]])
        if digits and start - 1 >= floor and tokens[start - 1].is_word:
            return start, digits
    return last, ""


def _spelled_in_mailbox(tokens: Sequence[_Token], i: int) -> bool:
    """Whether ``tokens[i]`` is a letter spelled out in a mailbox: "a" is the article unless
    a spelled letter comes before it too ("s i o b h a n")."""
    if not _spelled_letter(tokens[i]):
        return False
    return tokens[i].lower != "a" or (i > 0 and _spelled_letter(tokens[i - 1]))


def _spelled_letter(token: _Token) -> bool:
    return len(token.text) == 1 and token.text.isalpha()
