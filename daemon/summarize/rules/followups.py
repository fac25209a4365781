"""Follow-ups: sentences that refer to a task already named rather than naming one.

"I can do it Wednesday", "could you take that?" and "I will send you until Thursday" carry a
doer and a date but no task of their own: the reducer applies them to the item just discussed,
or, when there is none, to the task last spoken of (`earlier_task`).
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.anaphora import ANAPHORS
from daemon.summarize.rules.parse import Meeting, Said
from daemon.summarize.rules.tasks import TALKING, TIME_PREPS, base, task_text

_NOT_TASKS = frozenset("want need like love hope think know see look mean have be".split())
# Verbs that take over a task named before: "I can do it", "could you take that?".
LIGHT = frozenset({"do", "take", "handle", "cover", "own", "manage"})


def takes_over(verb: Token) -> bool:
    """A light verb whose object is an anaphor: it refers to a task, not to a noun."""
    return verb.lower_ in LIGHT and any(
        c.dep_ == "dobj" and c.lower_ in ANAPHORS for c in verb.children
    )


def refers_back(verb: Token) -> bool:
    """The verb's object is "it"/"that": a follow-up of a task, unless "them" means people."""
    return any(
        c.dep_ == "dobj"
        and c.lower_ in ANAPHORS
        and not (c.lower_ == "them" and verb.lower_ in TALKING)
        for c in verb.children
    )


def earlier_task(said: Said, meeting: Meeting) -> str | None:
    """The task last spoken of before ``said``: the nearest verb phrase with a real object."""
    for earlier in meeting.previous_sentences(said, limit=6):
        for verb in earlier.span:
            if verb.pos_ != "VERB" or takes_over(verb) or verb.lower_ in LIGHT | {"let"}:
                continue
            if verb.tag_ in ("VBD", "VBN") or base(verb) in _NOT_TASKS:
                continue
            if any(c.dep_ == "neg" for c in verb.children):
                continue  # "I told them", "you'll want an answer": no task to take over
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.lower_ == "i" and earlier.speaker != said.speaker:
                continue  # someone else's own commitment is theirs, not a task to take
            if any(c.dep_ == "dobj" and c.lower_ in ANAPHORS for c in verb.children):
                continue
            text = task_text(verb, earlier, meeting)
            if text:
                return text
    return None


PEOPLE = frozenset({"you", "me", "him", "her", "them", "us"})


def only_person_object(verb: Token) -> bool:
    """ "I will send you until Thursday": the thing sent is the task just discussed."""
    if verb.lower_ in TALKING:
        # "I'll email them": the person is the task; "I'll email you once I hear": a report back
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        others = [c for c in verb.children if c.dep_ in ("xcomp", "ccomp", "prt", "prep")]
        return [c.lower_ for c in objects] == ["you"] and not others
    objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
    return (
        bool(objects)
        and all(c.lower_ in PEOPLE for c in objects)
        and not any(
            c.dep_ in ("xcomp", "ccomp", "prt")
            or (c.dep_ == "prep" and c.lower_ not in TIME_PREPS | {"by", "on", "at"})
            for c in verb.children
        )
    )
