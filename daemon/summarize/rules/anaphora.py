"""What "it", "that" or "them" refers to: the nearest fitting noun phrase said before.

Issue 10: a task with an unresolved anaphor ("Finish that", "Get that out") is not a task.
Candidates are the concrete noun phrases of the nearest sentences (and a phrase set out at the
start of the sentence itself: "And the parking permit, I'll renew that"); a noun is concrete when it
is not a date, a number, a person or a word too general to be a deliverable ("thing", "one").
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.parse import Meeting, Said

# Objects that stand for something said earlier.
ANAPHORS = frozenset("it that this them those these one ones".split())
# Nouns too general to be what "it" refers to.
VAGUE = frozenset(
    "thing things one lot bit way time everyone anyone someone something anything nothing "
    "everything people question idea point stuff problem minute second sense part ones "
    "sorry thanks".split()
)


def resolve(
    said: Said, meeting: Meeting, before: int | None = None, people: bool = False
) -> str | None:
    """What an object anaphor refers to: a concrete noun phrase said shortly before.

    Candidates come from the nearest sentences that have any; each is scored by how often its
    head noun was mentioned recently (what a conversation is about keeps being named), then by
    nearness, then objects before subjects before prepositional objects.
    """
    earlier = meeting.previous_sentences(said)
    joined = _object_of_first_verb(said, before)
    if joined is not None and not people:
        return joined  # "write up the notes and send them round": them = the notes
    if before is not None:
        # "And the parking permit, I'll renew that": the phrase set out before the pronoun.
        for token in said.span:
            set_out = token.dep_ in ("dep", "npadvmod") or (
                token.dep_ == "nsubj" and token.head.dep_ != "ROOT"
            )
            if token.i < before and set_out and _concrete(token, meeting):
                return _noun_phrase(token)
    mentions: dict[str, int] = {}
    for other in earlier:
        for token in other.span:
            if token.pos_ in ("NOUN", "PROPN"):
                mentions[token.lower_] = mentions.get(token.lower_, 0) + 1
    best: tuple[float, str] | None = None
    searched = 0
    for distance, other in enumerate(earlier):
        found = False
        for token in other.span:
            rank = _RANK.get(token.dep_)
            if rank is None or not _concrete(token, meeting):
                continue
            if people and not _group_of_people(token):
                continue
            phrase = _noun_phrase(token)
            if not phrase:
                continue
            found = True
            if token.dep_ == "pobj" and token.head.lower_ in _LOCATIVE:
                rank += 1  # "in your folder" is where, rarely what
            score = 0.5 * mentions.get(token.lower_, 0) - 1.5 * distance - rank
            if best is None or score > best[0]:
                best = (score, phrase)
        searched += found
        if searched >= 3:
            break
    return best[1] if best else None


def _object_of_first_verb(said: Said, before: int | None) -> str | None:
    """In "X the notes and Y them", "them" is the first verb's object."""
    if before is None:
        return None
    verb = said.span.doc[before].head
    if verb.dep_ != "conj":
        return None
    first = next((c for c in verb.head.children if c.dep_ == "dobj"), None)
    if first is None or first.pos_ not in ("NOUN", "PROPN"):
        return None
    return _noun_phrase(first)


def _group_of_people(token: Token) -> bool:
    """What "call them" can mean: an organisation, a team, a plural of people or a name."""
    if any(c.dep_ == "poss" and c.lower_ in ("my", "your", "our") for c in token.children):
        return False  # "my ears", "our gaps": not who is called
    return (
        token.ent_type_ in ("ORG", "NORP", "GPE")
        or token.tag_ in ("NNS", "NNP", "NNPS")
        or (token.lower_ in ("team", "office", "department", "lab", "pharmacy", "council", "desk"))
    )


def _concrete(token: Token, meeting: Meeting) -> bool:
    if token.pos_ not in ("NOUN", "PROPN") or not token.is_alpha:
        return False
    if token.lower_ in VAGUE or token.ent_type_ in _NOT_THINGS or meeting.person(token):
        return False
    doc = token.doc
    opening = token.i == 0 or doc[token.i - 1].is_punct or token.is_sent_start
    comma = token.i + 1 < len(doc) and doc[token.i + 1].text == ","
    if token.pos_ == "PROPN" and opening and comma:
        return False  # "Ugh, sorry." / "Ada, ...": an exclamation or a vocative
    return not any(c.lower_ in ANAPHORS for c in token.children)  # "those exact ones"


_RANK = {
    "dobj": 0, "obj": 0, "dep": 0, "nsubjpass": 1, "nsubj": 1, "pobj": 2, "attr": 3, "ROOT": 3,
}  # fmt: skip
_LOCATIVE = frozenset({"in", "at", "on", "into", "from", "to", "inside"})
_NOT_THINGS = frozenset({"DATE", "TIME", "PERSON", "CARDINAL", "ORDINAL", "PERCENT", "MONEY"})


def _noun_phrase(head: Token) -> str:
    skip: set[int] = set()
    for t in head.subtree:
        if t.i != head.i and t.dep_ in ("relcl", "acl", "appos", "cc", "conj", "punct", "advmod"):
            skip.update(s.i for s in t.subtree)
    words = [t.text for t in head.subtree if t.i not in skip]
    if words and words[0].lower() in ("a", "an", "some", "any"):
        words[0] = "the"
    elif words and words[0].lower() in ("the", "this", "that", "these", "those", "our", "their"):
        words[0] = words[0].lower()  # it starts a sentence there, not here
    return " ".join(words)
