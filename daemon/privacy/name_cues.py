"""Where in a sentence a name is said: the cue words and the tests on spaCy tokens that the
name recognizers (``daemon.privacy.name_recognizers``) share.

Each test reads the words around a token, never a list of names: "Will is covering" (a modal
before a finite verb), "ask for June" (asked for, and no day number after it), "Mr Adeyemi"
(after a title), "Oksana and Bilal" (listed with a person).
"""

from __future__ import annotations

from typing import Any

from daemon.summarize.dates import MONTHS, WEEKDAYS

# Titles before a surname: "mr gallagher", "Dr. Okafor" (the full stop is its own token). The
# short ones are never words of their own, so any word after them is a surname ("ms tran").
SHORT_TITLES = frozenset("mr mrs ms mx dr prof".split())
TITLES = SHORT_TITLES | frozenset("miss doctor professor".split())
# Words said to or of a person right before the name: "thanks Ana", "ring Ciaran", "cc Li".
ADDRESS_WORDS = frozenset(
    "thanks thank hi hello hey ask asked tell told cc copy ping pinged ring dear".split()
)
# Verbs that, after a sentence's first word, say it is someone speaking: "Destiny confirmed".
SPEECH = frozenset("said says confirmed agreed asked told mentioned suggested thinks wants".split())
# A modal verb is followed by a bare verb, never by a finite one: "Will is covering" and "May
# has the keys" can only be names.
FINITE = ("VBZ", "VBD", "VBP")
# Days and months are capitalised like names and said where names are ("by Friday"): spaCy's
# DATE entity, or the calendar's own words when spaCy misses the date. Only those that are also
# given names ("June", "Summer") can be names, and only where said as one (``said_as_name``).
CALENDAR = frozenset(WEEKDAYS + MONTHS)


def modal_that_is_a_name(token: Any, doc: Any) -> bool:
    """A given name spaCy read as a modal verb, before a finite verb: "Will is covering"."""
    from daemon.privacy.casing import is_given_name

    after = token.i + 1
    return (
        token.tag_ == "MD"
        and is_given_name(token.text)
        and after < len(doc)
        and doc[after].tag_ in FINITE
    )


def is_dated(token: Any) -> bool:
    """A given name that is also a month or a season, or that spaCy read as a date."""
    return token.ent_type_ in ("DATE", "TIME") or token.lower_ in CALENDAR


def said_as_name(run: list[Any], doc: Any) -> bool:
    """Whether a given name that is also a date ("June", "Summer") is said as a name: after a
    word of address or "ask for" ("ask for June", "thanks April"), or before "from" or a verb
    of speech ("Summer from marketing wants"), and never before a number ("June 3")."""
    from daemon.privacy.casing import is_given_name

    if not all(is_given_name(t.text) for t in run):
        return False
    first, last = run[0].i, run[-1].i
    before = doc[first - 1].lower_ if first > 0 else ""
    after = doc[last + 1] if last + 1 < len(doc) else None
    if after is not None and (after.like_num or after.pos_ == "NUM"):
        return False
    return (
        before in ADDRESS_WORDS
        or asked_for(run[0], doc)
        or (after is not None and (after.lower_ == "from" or after.lower_ in SPEECH))
    )


def asked_for(token: Any, doc: Any) -> bool:
    """ "ask for Siobhan", "asking for June"."""
    i = token.i
    return i > 1 and doc[i - 1].lower_ == "for" and bool(doc[i - 2].lower_.startswith("ask"))


def after_title(run: list[Any], doc: Any) -> bool:
    """ "Mr Adeyemi", "Dr. Okonkwo" (spaCy may call the surname a place), the title in the run
    or before it."""
    if len(run) > 1 and run[0].lower_ in TITLES:
        return True
    i = run[0].i
    if i > 1 and doc[i - 1].text == ".":
        i -= 1
    return i > 0 and bool(doc[i - 1].lower_ in TITLES)


def listed_with_a_person(run: list[Any], doc: Any) -> bool:
    """Whether a word spaCy calls a place is listed with a person spaCy found ("the volunteers
    Oksana and Bilal"): the items of a list are of one kind."""
    first, last = run[0].i, run[-1].i
    if last + 2 < len(doc) and doc[last + 1].lower_ in ("and", "or"):
        return bool(doc[last + 2].ent_type_ == "PERSON")
    if first >= 2 and doc[first - 1].lower_ in ("and", "or"):
        return bool(doc[first - 2].ent_type_ == "PERSON")
    return False


def acts(doc: Any, run: list[Any]) -> bool:
    """Whether the run is the subject of a verb said right after it: "Oluwaseun raised the
    point", "Mikko agreed"."""
    after = run[-1].i + 1
    return after < len(doc) and doc[after].tag_ in ("VBD", "VBZ", "MD")
