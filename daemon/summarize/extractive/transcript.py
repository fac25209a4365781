"""The meeting as the extractive summarizer reads it: sentences, speakers and the people named.

Everything here depends only on the transcript, never on the items found in it, so the
decision and the action-item readers share it.
"""

from __future__ import annotations

import re
from datetime import date

from daemon.summarize.cues import BY_EVENT, NOT_NAMES
from daemon.summarize.dates import TimeExpression
from daemon.summarize.phrasing import due_in
from daemon.summarize.text import Sentence, Utterance, sentences


def _unique(values: object) -> list[str]:
    seen: list[str] = []
    for value in values:  # type: ignore[attr-defined]
        if value and value not in seen:
            seen.append(value)
    return seen


_UNNAMED_VOICE = re.compile(r"Speaker \d+")


class MeetingText:
    """The sentences of a meeting, who speaks them and whom they name."""

    def __init__(self, utterances: list[Utterance], meeting_date: date) -> None:
        self.utterances = utterances
        self.meeting_date = meeting_date
        self.sentences = sentences(utterances)
        self.speakers = _unique(u.speaker for u in utterances if u.speaker)
        # A diarized voice nobody named ("Speaker 2") may be anyone: names said in the meeting
        # are then trusted as they are when no speakers are known at all.
        self.unnamed_voices = any(_UNNAMED_VOICE.fullmatch(s) for s in self.speakers)
        self.people = _unique([*self.speakers, *self._addressed_names()])
        self.named = _unique([*self.people, *self._capitalised_names()])
        self.events: dict[str, TimeExpression] = {}  # "sprint" -> its date, as the meeting stated

    # People -----------------------------------------------------------------------------------

    def _addressed_names(self) -> list[str]:
        pattern = re.compile(
            r"(?:^|\b(?i:hi|hey|thanks|thank you|morning|okay|so|and)\s*,?\s+)(?P<name>[A-Z][a-z]+)"
            r"(?=\s*[,?!.]|\s*$)"
        )
        # A name is always capitalised: a word also seen in lower case is not one.
        lower_words = {w for s in self.sentences for w in re.findall(r"\b[a-z][a-z']*\b", s.text)}
        names: list[str] = []
        for sentence in self.sentences:
            for match in pattern.finditer(sentence.text):
                name = match["name"]
                if name.lower() not in NOT_NAMES and name.lower() not in lower_words:
                    names.append(name)
        return names

    def _capitalised_names(self) -> list[str]:
        """Capitalised words inside sentences, never in lower case: likely names (no speakers)."""
        lower_words = {w for s in self.sentences for w in re.findall(r"\b[a-z][a-z']*\b", s.text)}
        found: list[str] = []
        for sentence in self.sentences:
            for match in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]{2,})\b", sentence.text):
                word = match.group(1)
                if word.lower() not in NOT_NAMES and word.lower() not in lower_words:
                    found.append(word)
        return found

    def name_for(self, word: str | None) -> str | None:
        """Like ``_person``, but also trusting capitalisation when no speakers are labelled."""
        person = self.person(word)
        if person or (self.speakers and not self.unnamed_voices) or not word:
            return person
        return next((n for n in self.named if n.lower() == word.lower()), None)

    def person(self, word: str | None) -> str | None:
        if not word:
            return None
        for person in self.people:
            if person.lower() == word.lower():
                return person
        return None

    def vocative(self, sentence: Sentence) -> str | None:
        """The person a sentence speaks to by name ("Jen, can you..." / "...by Friday, Jen?")."""
        match = re.match(
            r"^(?:\W*(?:okay|so|and|oh|hey|hi|also|great|alright)\W+)*([A-Z][a-z]+),", sentence.text
        )
        if match and self.person(match.group(1)):
            return self.person(match.group(1))
        match = re.search(r",\s*([A-Z][a-z]+)\s*[?.!]$", sentence.text)
        if match and self.person(match.group(1)):
            return self.person(match.group(1))
        return None

    def speaker_of(self, sentence: Sentence) -> str | None:
        if sentence.speaker:
            return self.person(sentence.speaker) or sentence.speaker
        # No speaker labels (plain ASR): the person just addressed by name is the likely speaker.
        for previous in reversed(self.sentences[max(0, sentence.position - 2) : sentence.position]):
            vocative = self.vocative(previous)
            if vocative:
                return vocative
        return None

    def previous_speaker(self, sentence: Sentence) -> str | None:
        for previous in reversed(self.sentences[: sentence.position]):
            if previous.utterance != sentence.utterance and previous.speaker != sentence.speaker:
                return previous.speaker
        return None

    # Sentences --------------------------------------------------------------------------------

    def sentences_of(self, utterance: int) -> list[Sentence]:
        return [s for s in self.sentences if s.utterance == utterance]

    def first_sentence_of(self, utterance: int) -> Sentence:
        return self.sentences_of(utterance)[0]

    def utterance_text(self, utterance: int) -> str:
        return " ".join(s.text for s in self.sentences_of(utterance))

    def previous_sentence(self, sentence: Sentence) -> Sentence | None:
        return self.sentences[sentence.position - 1] if sentence.position > 0 else None

    def next_utterance(self, sentence: Sentence) -> Sentence | None:
        for later in self.sentences[sentence.position + 1 :]:
            if later.utterance != sentence.utterance:
                return later
        return None

    def deadline_in(self, text: str) -> TimeExpression | None:
        """The deadline in ``text``; "by the end of the sprint" uses a date the meeting stated."""
        due = due_in(text, self.meeting_date)
        if due is None:
            for match in BY_EVENT.finditer(text):
                said = match["event"].lower()
                for name, when in self.events.items():
                    if said in (name, name.split()[-1]) or name.endswith(said.split()[-1]):
                        return TimeExpression(match.group(0), 0, 0, when.date)
        return due

    def was_asked(self, sentence: Sentence) -> bool:
        """Whether the turn before this one asked something of the speaker."""
        previous = self.previous_sentence(self.first_sentence_of(sentence.utterance))
        return previous is not None and previous.text.rstrip().endswith("?")
