"""Commitments: a speaker says they will do something ("I'll send the guide by Friday").

The kind is grammatical: a first-person subject with a future or ability auxiliary ("will",
"'ll", "can", "am going to", "let me"), or a present-tense first-person verb with a future time
("I send the report on Tuesday", as non-native speakers often put it). "You'll have it by
Monday" is the speaker's promise too. "I'll make sure Zoe does X" belongs to the speaker.

Not commitments: questions, negated or hedged modals ("I won't", "I could", "I should"),
conditionals ("if ..., I'll"), status reports and done work (no future auxiliary, past tense),
and verbs of thinking ("let me think about it").
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.dates import TimeExpression
from daemon.summarize.rules.anaphora import ANAPHORS, resolve
from daemon.summarize.rules.followups import (
    earlier_task,
    only_person_object,
    refers_back,
    takes_over,
)
from daemon.summarize.rules.parse import Meeting, Said, subject_of
from daemon.summarize.rules.reducer import Finding
from daemon.summarize.rules.tasks import base, clause_tokens, coordinated, deadline, task_text

FUTURE = frozenset({"will", "'ll", "shall", "can", "gonna", "wo"})
HEDGED = frozenset({"would", "could", "should", "might", "may", "must", "'d"})
CONDITIONAL = frozenset({"if", "unless", "assuming", "provided", "whether"})
# Verbs that report a state of mind or talk in the meeting, not a deliverable.
NOT_DELIVERABLES = frozenset(
    """
    be think see know guess mean say bet wonder hope want need like love agree remember admit
    try go continue recap repeat talk mention add stop keep wait pass defer
    walk share live deal look
    """.split()
)
FIRST_PERSON = frozenset({"i"})
DURATIONS = frozenset("second seconds minute minutes moment hour hours day days week weeks".split())
# Present-tense verbs that describe a state ("I have good photos"), never a plan.
STATIVE = frozenset("have need know want like think see hear feel mean am".split())


def find(meeting: Meeting) -> list[Finding]:
    findings: list[Finding] = []
    for said in meeting.sentences():
        claimed = _claimed(said, meeting)
        if claimed is not None:
            findings.append(claimed)
            continue
        if said.question:
            continue
        for verb in said.span:
            if verb.pos_ not in ("VERB", "AUX") or (verb.dep_ == "conj" and not _own_subject(verb)):
                continue  # a joined verb belongs to the first one's task, unless it has a doer
            if not _committed(verb, meeting, said):
                continue
            findings.extend(_items(verb, said, meeting))
    return findings


def doubted(verb: Token) -> bool:
    """Under a negated verb of belief: "I don't think I can ...", "I doubt I'll ..."."""
    head = verb.head
    believing = head.i != verb.i and head.lower_ in ("think", "believe", "expect", "doubt")
    return believing and (head.lower_ == "doubt" or any(c.dep_ == "neg" for c in head.children))


def _claimed(said: Said, meeting: Meeting) -> Finding | None:
    """ "Just give it to me", "Leave the survey with me": the speaker takes the task."""
    root = said.root
    if root.lower_ not in ("give", "leave", "hand", "pass") or subject_of(root) is not None:
        return None
    to_me = any(
        c.dep_ in ("prep", "dative") and any(o.lower_ == "me" for o in c.subtree)
        for c in root.children
    )
    thing = next((c for c in root.children if c.dep_ == "dobj"), None)
    if not to_me or thing is None or said.question:
        return None
    if thing.ent_type_ in ("DATE", "TIME") or thing.lower_ in DURATIONS:
        return None  # "give me two weeks" asks for time, it takes no task
    if thing.lower_ in ANAPHORS:
        # the task "it" names, else the one just discussed
        meant = resolve(said, meeting, before=thing.i)
        return Finding("reassign", said, said.speaker, meant, strict=meant is not None)
    phrase = " ".join(t.text for t in thing.subtree)
    return Finding("assign", said, said.speaker, f"Take {phrase}")


def _committed(verb: Token, meeting: Meeting, said: Said) -> bool:
    subject = subject_of(verb)
    aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if any(c.dep_ == "neg" for c in verb.children) or aux & HEDGED:
        return False
    if doubted(verb):
        return False  # "I don't think I can get to it"
    if conditional(verb):
        return False
    if base(verb) in NOT_DELIVERABLES and not _looks_into(verb):
        return False
    if subject is not None and subject.lower_ == "me" and verb.head.lower_ == "let":
        return verb.dep_ in ("ccomp", "xcomp")  # "let me check with legal"
    if subject is None or (verb.tag_ in ("VBD", "VBN", "VBG") and not _going_to(verb)):
        return False
    if subject.lower_ in FIRST_PERSON:
        if aux & FUTURE or _going_to(verb):
            return True
        # Present simple with a future date: "I send the report on Tuesday".
        return (
            verb.tag_ == "VBP"
            and verb.lower_ not in STATIVE
            and any(t.date is not None for t in meeting.times(said))
        )
    # "You'll have it by Monday": the speaker delivers.
    return subject.lower_ == "you" and bool(aux & FUTURE) and verb.lower_ in ("have", "get")


def _looks_into(verb: Token) -> bool:
    """ "look at the floor plan" is work; "look like new" is not."""
    return verb.lower_ == "look" and any(
        c.dep_ == "prep" and c.lower_ in ("at", "into", "over", "through") for c in verb.children
    )


def _own_subject(verb: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _going_to(verb: Token) -> bool:
    """ "I'm going to draft ...": the verb is the xcomp of "going" ("I was going to" is past)."""
    head = verb.head
    if verb.dep_ != "xcomp" or head.lower_ not in ("going", "gon") or head.i == verb.i:
        return False
    return not any(c.lower_ in ("was", "were") for c in head.children)


def conditional(verb: Token) -> bool:
    for token in [verb, *verb.ancestors]:
        for child in token.children:
            if child.dep_ == "advcl" and any(
                m.dep_ == "mark" and m.lower_ in CONDITIONAL for m in child.children
            ):
                return True
            if child.dep_ == "mark" and child.lower_ in CONDITIONAL:
                return True
    return False


def _items(verb: Token, said: Said, meeting: Meeting) -> list[Finding]:
    if verb.lower_ == "going":
        return []
    target = _delegated(verb)
    if base(target) in NOT_DELIVERABLES and not _looks_into(target):
        return []  # "I can make the hall look like new"
    if takes_over(target) or only_person_object(target):
        # "I can do it Wednesday": the task is the one just discussed (the reducer decides).
        due = deadline(target, said, meeting) or _sentence_due(said, meeting, target)
        return [Finding("add", said, said.speaker, earlier_task(said, meeting), due, True)]
    verbs = coordinated(target)
    phrased = [(v, task_text(v, said, meeting)) for v in verbs]
    found = [(v, t) for v, t in phrased if t]
    if not found:
        return []
    dues = [deadline(v, said, meeting, verbs) for v, _ in found]
    anaphoric = refers_back(target)
    if len({d.date for d in dues if d and d.date}) <= 1:
        # One deliverable, or several with one deadline: one item.
        task = " and ".join([found[0][1], *(t[0].lower() + t[1:] for _, t in found[1:])])
        due = next((d for d in reversed(dues) if d), None) or _sentence_due(said, meeting, target)
        return [Finding("add", said, said.speaker, task, due, anaphoric)]
    return [
        Finding(
            "add", said, said.speaker, text, due or _sentence_due(said, meeting, target), anaphoric
        )
        for (_, text), due in zip(found, dues, strict=True)
    ]


def _delegated(verb: Token) -> Token:
    """ "I'll make sure Zoe locks them": the task is what Zoe does."""
    if verb.lower_ != "make" or not any(c.lower_ in ("sure", "certain") for c in verb.subtree):
        return verb
    # "make sure X does Y": Y hangs from "make" or from "sure", by the parse
    for child in [*verb.children, *(g for c in verb.children for g in c.children)]:
        if child.dep_ == "ccomp" and child.pos_ == "VERB":
            return child
    return verb


def _sentence_due(said: Said, meeting: Meeting, verb: Token | None = None) -> TimeExpression | None:
    """A deadline said outside the verb's words ("Tomorrow morning, I'll ..."), but not in
    another clause with its own doer ("..., and you can serve it tomorrow")."""
    times = meeting.times(said)
    if verb is None:
        return times[-1] if times else None
    others = {t.i for t in said.span} - clause_tokens(verb.head if verb.dep_ == "xcomp" else verb)
    start = said.span.start_char
    kept = [
        time
        for time in times
        if not any(
            t.i in others for t in said.span if start + time.start <= t.idx < start + time.end
        )
    ]
    return kept[-1] if kept else None
