"""Decisions and open questions: they depend only on the sentences, not on the action items.

Decisions come from explicit markers ("we decided", "let's go with", "X it is") and from
proposals that nobody objects to; a restatement a few sentences later is the same decision.
Open questions are questions the others answered with uncertainty.
"""

from __future__ import annotations

import re

from daemon.summarize.centrality import content_words
from daemon.summarize.cues import (
    AGREE,
    CANCEL,
    CONDITIONAL,
    DECISION,
    DECLINE,
    IT_IS,
    NOT_DECISION,
    OBJECTION_CALL,
    PROPOSAL,
    REQUEST,
    UNCERTAIN,
)
from daemon.summarize.extractive.transcript import MeetingText
from daemon.summarize.phrasing import clean_quote, clean_sentence, decision_phrase
from daemon.summarize.schema import Decision, Evidence
from daemon.summarize.text import Sentence, words

# Questions about how someone is or how something went ("How was the trip?", "Did you get
# some rest?") are small talk, not open questions of the meeting.
SOCIAL_QUESTION = re.compile(r"^(?:how(?:'s| (?:are|was|is|were|did))|did you)\b", re.IGNORECASE)

# A spoken preface announcing a question ("Quick question:", "One more question for Ana.").
QUESTION_PREFACE = re.compile(
    r"^(?:(?:a|one|another|quick|small|last|final|more)\s+)+question(?:\s+for\s+\w+)?[.,:]?\s*",
    re.IGNORECASE,
)


def decisions(meeting: MeetingText) -> list[Decision]:
    found: list[tuple[Sentence, str]] = []
    for sentence in meeting.sentences:
        text = sentence.text
        if text.rstrip().endswith("?") or NOT_DECISION.search(text):
            continue
        bare = re.sub(
            r"^(?:done deal|okay|so|great|then),?\s*", "", text.strip(), flags=re.IGNORECASE
        )
        it_is = IT_IS.match(bare)
        match = DECISION.search(text)
        if it_is:
            found.append((sentence, it_is["what"]))
        elif match and not CONDITIONAL.search(text[: match.start()]):
            found.append((sentence, _decision_text(meeting, sentence, match)))
        elif _accepted_proposal(meeting, sentence):
            proposal = PROPOSAL.search(text)
            if proposal and proposal["what"].strip():
                found.append((sentence, proposal["what"]))
    decisions: list[Decision] = []
    said: list[str] = []  # what each decision's sentences said in full, for restatements
    last: Sentence | None = None
    for sentence, text in found:
        phrased = decision_phrase(text)
        if not content_words(phrased):
            continue
        if decisions and last is not None and _same_decision(said[-1], text, last, sentence):
            if len(content_words(phrased)) >= len(content_words(decisions[-1].text)) - 1:
                decisions[-1] = _decision(meeting, phrased, sentence)
            said[-1] += " " + text
            last = sentence
            continue
        decisions.append(_decision(meeting, phrased, sentence))
        said.append(text)
        last = sentence
    return decisions


def _decision(meeting: MeetingText, text: str, sentence: Sentence) -> Decision:
    return Decision(
        text=text,
        evidence=Evidence(
            quote=clean_quote(sentence.text), start=sentence.start, speaker=sentence.speaker
        ),
    )


def _decision_text(meeting: MeetingText, sentence: Sentence, match: re.Match[str]) -> str:
    subjectless = re.match(
        r"(?:is|are) officially|no more|from now on|going forward|"
        r"\w+(?:'s)? (?:moves|is|gets|shifts)",
        match.group(0),
        re.IGNORECASE,
    )
    text = sentence.text if subjectless else sentence.text[match.start() :]
    confirmation = re.match(
        r"^(?:that's|it's|it is) (?:settled|a deal|final|official)|^done deal|^locked in|"
        r"^(?:we're|we are) good to go(?: with (?:that|this|it))?|"
        r"^good to go with (?:that|this|it)",
        text,
        re.IGNORECASE,
    )
    if confirmation:
        rest = text[confirmation.end() :].strip(" ,.;:-")
        rest = re.sub(r"^then\b[ ,]*", "", rest, flags=re.IGNORECASE)
        if len(content_words(rest)) >= 2:
            return rest  # "So that's settled then, two pickups a week and no second dumpster."
        previous = meeting.previous_sentence(sentence)
        return previous.text if previous is not None else text
    earlier = [
        s for s in meeting.sentences_of(sentence.utterance) if s.position < sentence.position
    ]
    cancelled = CANCEL.search(earlier[-1].text) if earlier else None
    if cancelled:
        text = f"{cancelled.group(0)}; {text}"
    return text


def _same_decision(first: str, second: str, a: Sentence, b: Sentence) -> bool:
    if b.position - a.position > 10:
        return False
    shared = set(content_words(first)) & set(content_words(second))
    return bool(shared - {"let", "use", "going"})


def _accepted_proposal(meeting: MeetingText, sentence: Sentence) -> bool:
    """A proposal followed by a call for objections, or by agreement from the others."""
    if not PROPOSAL.search(sentence.text):
        return False
    following = meeting.sentences[sentence.position + 1 : sentence.position + 6]
    asked = any(
        OBJECTION_CALL.search(s.text) for s in following[:2] if s.utterance == sentence.utterance
    )
    replies = [
        s
        for s in following
        if s.utterance != sentence.utterance and meeting.first_sentence_of(s.utterance) == s
    ]
    agreeing = [s for s in replies[:3] if AGREE.search(s.text) and not DECLINE.search(s.text)]
    if (
        replies
        and re.search(r"\b(?:wait|but|no,|don't)\b", replies[0].text, re.IGNORECASE)
        and not agreeing
    ):
        return False
    return (asked and bool(agreeing)) or len(agreeing) >= 2


def open_questions(meeting: MeetingText) -> list[str]:
    questions: list[str] = []
    last_utterance = -1
    for sentence in meeting.sentences:
        text = sentence.text.strip()
        if not text.endswith("?") or len(words(text)) < 5 or REQUEST.search(text):
            continue
        if SOCIAL_QUESTION.match(text):
            continue
        answers = [
            s
            for s in meeting.sentences[sentence.position + 1 : sentence.position + 5]
            if s.utterance != sentence.utterance
        ]
        if any(UNCERTAIN.search(a.text) for a in answers[:3]):
            question = clean_sentence(QUESTION_PREFACE.sub("", text))
            if questions and last_utterance == sentence.utterance:
                questions[-1] = f"{questions[-1]} {question}"  # "Like, who exported what?"
            else:
                questions.append(question)
            last_utterance = sentence.utterance
    return questions
