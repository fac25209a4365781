"""Changes to items already on the list: re-dates, releases (then reassignment) and cancellations.

- Re-date: a sentence that names a new date for the task under discussion without naming a new
  task: a bare date as an answer ("Tuesday?", "Okay, next Friday then"), a counter-offer
  ("Can I make it Wednesday?", "Give me two weeks", "Let's say Tuesday instead"), or a task
  noun with a new date ("my report slips to Tuesday", "the board is Tuesday, not Monday").
- Release: the owner says they cannot do it after all ("I won't get to it this week"); the item
  loses its owner until someone takes it ("Ben, could you take it?").
- Cancel: "scratch that", "never mind the report", "drop the banner", "X is off" — the item named
  (or, for an anaphor, the one just discussed) goes.
Reassignment itself needs no rule here: handing a task that is already listed to someone else
moves it (see `requests` and the reducer).
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.anaphora import ANAPHORS, resolve
from daemon.summarize.rules.commitments import doubted
from daemon.summarize.rules.followups import LIGHT
from daemon.summarize.rules.parse import Meeting, Said, subject_of
from daemon.summarize.rules.reducer import Finding
from daemon.summarize.rules.tasks import task_text

CANCELLING = frozenset({"cancel", "scratch", "drop", "forget", "skip", "scrap", "kill"})
# Verbs that carry a date without being a task: "make it Wednesday", "say Tuesday".
DATING = frozenset({"make", "say", "give", "do", "move", "push", "slip", "slips", "be", "is"})
MAX_DATE_WORDS = 9  # longer sentences with a date are about something else


def find(meeting: Meeting) -> list[Finding]:
    findings: list[Finding] = []
    for said in meeting.sentences():
        change = _released(said) or _cancelled(said, meeting) or _redated(said, meeting)
        if change is not None:
            findings.append(change)
    return findings


def _redated(said: Said, meeting: Meeting) -> Finding | None:
    dated = [t for t in meeting.times(said) if t.date is not None]
    if not dated:
        return None
    if _refused_date(said, dated[-1].start) or _starting(said, dated[-1].start):
        return None  # "Not today, Eve.", "From today, no visitors": not a new deadline
    if any(t.dep_ == "mark" and t.lower_ in ("if", "unless") for t in said.span):
        return None
    words = [t for t in said.span if t.is_alpha]
    if said.root.tag_ == "VBD" or any(c.lower_ == "did" for c in said.root.children):
        return None  # "I did, on Tuesday": done, not due
    subject = subject_of(said.root)
    being = said.root.lower_ in ("be", "'m", "am", "are", "'re", "is")
    if being and subject is not None and subject.lower_ in ("i", "we"):
        return None  # "I'm away by Wednesday", "I'm out Monday": where people are
    context = meeting.turns[said.turn].text
    if _counter_offer(said) and len(words) <= MAX_DATE_WORDS + 4:
        return Finding("redate", said, said.speaker, None, dated[-1], context=context)
    if len(words) > MAX_DATE_WORDS or _names_task(said, meeting):
        return None
    asked = _when_asked(said, meeting)
    if asked is not None:
        # "When is the grant deadline?" - "June ninth." dates what was asked about.
        return Finding("redate", said, said.speaker, asked, dated[-1], strict=True)
    named = _subject_words(said)
    # A sentence about a named thing re-dates only an item of that name ("the board meeting
    # is on the twenty-sixth" is news about an event, not a new date for the last task).
    return Finding(
        "redate", said, said.speaker, named, dated[-1], strict=named is not None, context=context
    )


def _when_asked(said: Said, meeting: Meeting) -> str | None:
    """The subject of a "when ...?" question just asked by someone else, if any."""
    before = meeting.previous_sentences(said, limit=2)
    for question in before:
        if question.speaker == said.speaker or not question.question:
            continue
        if not any(t.lower_ == "when" for t in question.span):
            return None
        nouns = [t.text for t in question.span if t.pos_ in ("NOUN", "PROPN")]
        return " ".join(nouns) or "?"
    return None


def _starting(said: Said, offset: int) -> bool:
    before = said.text[:offset].split()
    return bool(before) and before[-1].lower() in ("from", "since", "starting", "until")


def _refused_date(said: Said, offset: int) -> bool:
    start = said.span.start_char
    return any(
        t.dep_ == "neg" and t.idx - start < offset and offset - (t.idx - start) <= 6
        for t in said.span
    )


def _counter_offer(said: Said) -> bool:
    """ "Can I get them to you Monday instead?", "Could I have three weeks?"."""
    if any(t.lower_ == "instead" for t in said.span):
        return True
    if not said.question:
        return False
    root = said.root
    subject = subject_of(root) if root.pos_ in ("VERB", "AUX") else None
    if subject is None or subject.lower_ != "i":
        return False
    # "Can I make it Wednesday?", "Could I have three weeks?"; not "Can I get a volunteer?"
    thing = next((c for c in root.children if c.dep_ == "dobj"), None)
    return thing is None or thing.lower_ in ANAPHORS or thing.ent_type_ in ("DATE", "TIME")


def _names_task(said: Said, meeting: Meeting) -> bool:
    """Whether the sentence states a task of its own (then it is an item, not a re-date)."""
    for verb in said.span:
        plain = verb.pos_ == "VERB" and verb.lower_ not in DATING | LIGHT
        if plain and task_text(verb, said, meeting):
            return True
    return False


def _subject_words(said: Said) -> str | None:
    """ "my report slips to Tuesday": "draft" names the item re-dated."""
    subject = subject_of(said.root) if said.root.pos_ in ("VERB", "AUX") else None
    if subject is None or subject.pos_ not in ("NOUN", "PROPN"):
        return None
    if subject.ent_type_ in ("DATE", "TIME"):
        return None  # "Monday afternoon is okay" names the date, not the task
    return " ".join(t.text for t in subject.subtree)


def _released(said: Said) -> Finding | None:
    """ "I won't get to it", "I can't do that after all": the owner gives the task up."""
    for verb in said.span:
        subject = subject_of(verb) if verb.pos_ == "VERB" else None
        if subject is None or subject.lower_ != "i":
            continue
        # "I can't do it", "I don't think I can get to it"
        negated = any(c.dep_ == "neg" for c in verb.children) or doubted(verb)
        modal = {c.lower_ for c in verb.children if c.dep_ == "aux"}
        if not negated or not modal & {"ca", "can", "wo", "will", "'ll"}:
            continue
        if _refers_back(verb):
            return Finding("reassign", said, None, None)
    return None


def _refers_back(verb: Token) -> bool:
    """ "do it", "get to it", "take that on": the verb's object is the task just discussed."""
    for token in verb.subtree:
        if token.lower_ in ANAPHORS and token.dep_ in ("dobj", "pobj"):
            return verb.lower_ in LIGHT or verb.lower_ in ("get", "make", "finish")
    return False


def _cancelled(said: Said, meeting: Meeting) -> Finding | None:
    for verb in said.span:
        if verb.pos_ != "VERB" or verb.lower_ not in CANCELLING:
            continue
        if any(c.dep_ == "neg" for c in verb.children) or said.question:
            continue
        subject = subject_of(verb)
        if subject is not None and subject.lower_ not in ("'s", "us", "we"):
            continue  # "I'll kill those old jobs" is work; "scratch that", "let's drop it" cancel
        thing = next((c for c in verb.children if c.dep_ == "dobj"), None)
        following = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
        anaphoric = following is not None and following.lower_ in ("that", "it", "this")
        if anaphoric or (thing is not None and thing.lower_ in ANAPHORS):
            # "Scratch that": the item must be what "that" refers to.
            meant = resolve(said, meeting, before=verb.i + 2)
            return Finding("cancel", said, task=meant, strict=True) if meant else None
        if thing is None:
            continue
        return Finding("cancel", said, task=" ".join(t.text for t in thing.subtree), strict=True)
    return None
