"""The embedded summarizer: deterministic rules over the transcript, no model, no network.

It reads the meeting in order and keeps a list of action items that later sentences can change:

- commitments: "I'll send...", "I can review it after lunch", "let me check with legal";
- requests that are accepted: "Priya, can you own the migration?" - "Sure";
- assignments in the third person: "Maria will update the plan";
- tasks nobody took yet: "it has to be booked by Friday", "put it on the action list";
- releases and reassignments: "I don't think I can get to it" - "Hannah, could you take that?";
- cancellations: "scratch the sign", "never mind the report";
- follow-ups that only refine an item ("I'll copy you too", "I'll have them ready in two weeks").

Vague intentions ("we should think about that someday"), conditional work, status reports and
declined requests are not items. Decisions come from explicit markers ("we decided", "let's go
with", "X it is") and from proposals that nobody objects to. Key points and the title come from
sentence centrality (see ``centrality``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from daemon.summarize.centrality import content_words, key_points, title_from_topics, topics
from daemon.summarize.cues import (
    ACCEPT,
    ACTION_MARKER,
    AGREE,
    ANTECEDENT,
    BY_EVENT,
    CANCEL,
    CONDITIONAL,
    CONFIRMS_DUTY,
    DECISION,
    DECLINE,
    EVENT,
    FIND_OUT,
    FIRST_PERSON,
    HAS_GOT,
    IMPERATIVE_TO_NAME,
    IT_IS,
    MARKED,
    NEGATED,
    NOT_ACTIONS,
    NOT_DECISION,
    NOT_NAMES,
    NP_STOP,
    OBJECTION_CALL,
    ON_BEHALF,
    PASSIVE_DUTY,
    PRONOUNS,
    PROPOSAL,
    REDATE,
    RELEASE,
    REQUEST,
    SOMEONE_MUST,
    TAKE,
    THIRD_PERSON,
    TRAILING,
    UNCERTAIN,
    VOLUNTEER,
)
from daemon.summarize.dates import TimeExpression, find_times
from daemon.summarize.phrasing import (
    base_form,
    capitalise,
    clean_quote,
    clean_sentence,
    decision_phrase,
    due_in,
    gerund,
    gerund_to_base,
    join,
    last_dated,
    main_clause,
    split_deliverables,
    strip_article,
)
from daemon.summarize.schema import ActionItem, Decision, Evidence, Summary
from daemon.summarize.text import Sentence, Utterance, sentences, words

LOOKBACK = 8  # sentences within which a pronoun or a follow-up refers to an earlier item
# Questions about how someone is or how something went ("How was the trip?", "Did you get
# some rest?") are small talk, not open questions of the meeting.
SOCIAL_QUESTION = re.compile(r"^(?:how(?:'s| (?:are|was|is|were|did))|did you)\b", re.IGNORECASE)
# A spoken preface announcing a question ("Quick question:", "One more question for Ana.").
QUESTION_PREFACE = re.compile(
    r"^(?:(?:a|one|another|quick|small|last|final|more)\s+)+question(?:\s+for\s+\w+)?[.,:]?\s*",
    re.IGNORECASE,
)


@dataclass
class _Item:
    owner: str | None
    task: str
    sentence: Sentence
    due: TimeExpression | None
    kind: str
    active: bool = True
    released: bool = False
    history: list[Sentence] = field(default_factory=list)


@dataclass
class _Request:
    requester: str | None
    addressee: str | None
    task: str
    sentence: Sentence
    due: TimeExpression | None
    declined: bool = False


_UNNAMED_VOICE = re.compile(r"Speaker \d+")


class ExtractiveSummarizer:
    name = "extractive"

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name}

    def provenance(self) -> dict[str, Any] | None:
        return None

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        return _Meeting(list(utterances), meeting_date).summary()


class _Meeting:
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
        self.items: list[_Item] = []
        self.requests: list[_Request] = []
        self.folded: set[int] = set()  # sentences already read as part of an item
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

    def _named(self, word: str | None) -> str | None:
        """Like ``_person``, but also trusting capitalisation when no speakers are labelled."""
        person = self._person(word)
        if person or (self.speakers and not self.unnamed_voices) or not word:
            return person
        return next((n for n in self.named if n.lower() == word.lower()), None)

    def _person(self, word: str | None) -> str | None:
        if not word:
            return None
        for person in self.people:
            if person.lower() == word.lower():
                return person
        return None

    def _vocative(self, sentence: Sentence) -> str | None:
        """The person a sentence speaks to by name ("Jen, can you..." / "...by Friday, Jen?")."""
        match = re.match(
            r"^(?:\W*(?:okay|so|and|oh|hey|hi|also|great|alright)\W+)*([A-Z][a-z]+),", sentence.text
        )
        if match and self._person(match.group(1)):
            return self._person(match.group(1))
        match = re.search(r",\s*([A-Z][a-z]+)\s*[?.!]$", sentence.text)
        if match and self._person(match.group(1)):
            return self._person(match.group(1))
        return None

    def _speaker_of(self, sentence: Sentence) -> str | None:
        if sentence.speaker:
            return self._person(sentence.speaker) or sentence.speaker
        # No speaker labels (plain ASR): the person just addressed by name is the likely speaker.
        for previous in reversed(self.sentences[max(0, sentence.position - 2) : sentence.position]):
            vocative = self._vocative(previous)
            if vocative:
                return vocative
        return None

    def _previous_speaker(self, sentence: Sentence) -> str | None:
        for previous in reversed(self.sentences[: sentence.position]):
            if previous.utterance != sentence.utterance and previous.speaker != sentence.speaker:
                return previous.speaker
        return None

    # Passes -------------------------------------------------------------------------------------

    def summary(self) -> Summary:
        for sentence in self.sentences:
            self._read(sentence)
        decisions = self._decisions()
        chosen = key_points(self.sentences)
        topic_names = topics(self.sentences, people=self.named)
        items = [self._action_item(i) for i in self.items if i.active]
        return Summary(
            title=title_from_topics(topic_names),
            overview=self._overview(topic_names, len(decisions), len(items)),
            key_points=[clean_sentence(s.text) for s in chosen],
            decisions=decisions,
            action_items=_merge_duplicates(items),
            open_questions=self._open_questions(),
            attendees=self.people,
        )

    def _read(self, sentence: Sentence) -> None:
        text = sentence.text
        for event in EVENT.finditer(text):
            # Only a date said right there: "the inspection is Wednesday the fifteenth".
            following = find_times(text[event.end() : event.end() + 40], self.meeting_date)
            if following and following[0].start <= 1 and following[0].date is not None:
                self.events[event["event"].lower()] = following[0]
        if sentence.position in self.folded:
            return
        if RELEASE.search(text):
            self._release(sentence)
        cancel = CANCEL.search(text)
        if cancel:
            self._cancel(sentence, cancel["object"])
        if self._redate(sentence) or self._trailing_date(sentence):
            return
        if self._answer_request(sentence):
            return
        if self._marked_item(sentence):
            return
        self._requests_in(sentence)
        self._commitments_in(sentence)
        self._volunteers_in(sentence)
        self._assignments_in(sentence)
        self._duties_in(sentence)

    def _redate(self, sentence: Sentence) -> bool:
        """ "Can we make that Thursday?": a new date for a recent item, if its owner agrees."""
        match = REDATE.search(sentence.text)
        if not match:
            return False
        due = due_in(sentence.text[match.start() :], self.meeting_date)
        if due is None or due.date is None:
            return False
        target = self._referenced_item(match["what"] or "", sentence)
        if target is None:
            return False
        speaker = self._speaker_of(sentence)
        if speaker != target.owner:
            reply = self._next_utterance(sentence)
            if (
                reply is None
                or self._speaker_of(reply) != target.owner
                or not ACCEPT.search(reply.text)
            ):
                return False
            self.folded.add(reply.position)
        target.due, target.sentence = due, sentence
        target.history.append(sentence)
        return True

    def _next_utterance(self, sentence: Sentence) -> Sentence | None:
        for later in self.sentences[sentence.position + 1 :]:
            if later.utterance != sentence.utterance:
                return later
        return None

    def _marked_item(self, sentence: Sentence) -> bool:
        """ "Action item: update the wiki", "Action item for Quinn: renew the certificate"."""
        match = MARKED.search(sentence.text)
        if not match:
            return False
        owner = self._person(match["name"] or match["name2"])
        vp = main_clause(match["vp"])
        task = self._task(vp, owner, None, sentence)
        self.items.append(_Item(owner, task, sentence, due_in(vp, self.meeting_date), "marker"))
        return True

    # Requests -----------------------------------------------------------------------------------

    def _requests_in(self, sentence: Sentence) -> None:
        match = REQUEST.search(sentence.text) or IMPERATIVE_TO_NAME.match(sentence.text)
        if not match or CONDITIONAL.search(sentence.text[: match.start()]):
            return
        if match.groupdict().get("name") and not self._person(match["name"]):
            return
        vp = main_clause(match["vp"])
        undated = vp
        for expression in find_times(vp, self.meeting_date):
            undated = undated.replace(expression.phrase, " ")
        if not set(words(undated)) - {"do", "make", "have", "it", "that", "the", "by", "on", "for"}:
            return  # "Could you do the seventeenth?" asks for a date, not a task
        if NOT_ACTIONS.match(vp) and not re.match(
            r"^(?:take|handle|cover|own)\b", vp, re.IGNORECASE
        ):
            return
        addressee = (
            match.groupdict().get("name") and self._person(match["name"])
        ) or self._vocative(sentence)
        requester = self._speaker_of(sentence)
        if addressee and requester and addressee == requester:
            return
        self.requests.append(
            _Request(
                requester, addressee, vp, sentence, last_dated(find_times(vp, self.meeting_date))
            )
        )

    def _answer_request(self, sentence: Sentence) -> bool:
        """If ``sentence`` answers an open request, settle it; True when it was an answer."""
        if not self.requests:
            return False
        request = self.requests[-1]
        if sentence.utterance == request.sentence.utterance or request.declined:
            return False
        if sentence.position - request.sentence.position > 3:
            return False
        speaker = self._speaker_of(sentence)
        if speaker is None or speaker == request.requester:
            return False
        if request.addressee is not None and speaker != request.addressee:
            return False
        first_of_reply = self._first_sentence_of(sentence.utterance) == sentence
        if not first_of_reply:
            return False
        reply = self._utterance_text(sentence.utterance)
        if DECLINE.search(reply):
            request.declined = True
            return False
        if not ACCEPT.search(sentence.text):
            return False
        self.requests.pop()
        due = last_dated(find_times(reply, self.meeting_date)) or request.due
        target = self._referenced_item(request.task, request.sentence)
        if target is not None and re.match(
            rf"^(?:take|handle|cover|own)\s+{PRONOUNS}\b", request.task, re.IGNORECASE
        ):
            # "Hannah, could you take that instead?" - the earlier task changes hands.
            target.owner, target.released, target.sentence = speaker, False, sentence
            target.due = due
            target.history.append(sentence)
            return True
        rest = [
            s for s in self._sentences_of(sentence.utterance) if s.position >= sentence.position
        ]
        vague = re.match(
            rf"^(?:\w+\s+){{1,2}}{PRONOUNS}\b\s*\w*$|^\w+(?:\s+(?:out|up|in|over|around|back))?$",
            request.task,
            re.IGNORECASE,
        )
        if vague and any(FIRST_PERSON.search(s.text) for s in rest):
            # "Can you look into it?" - "Yes. I'll file a bug today...": the reply says what.
            return False
        task = self._task(
            request.task, speaker, None, request.sentence, requester=request.requester
        )
        self.items.append(_Item(speaker, task, request.sentence, due, "request"))
        self._fold_rest_of_reply(sentence)
        return True

    def _fold_rest_of_reply(self, sentence: Sentence) -> None:
        """The rest of an accepting reply refines the item it accepted (a date, a detail)."""
        item = self.items[-1]
        for other in self._sentences_of(sentence.utterance):
            if other.position < sentence.position:
                continue
            due = last_dated(find_times(other.text, self.meeting_date))
            if due is not None:
                item.due = due
            item.history.append(other)
            self.folded.add(other.position)

    # Commitments ------------------------------------------------------------------------------

    def _commitments_in(self, sentence: Sentence) -> None:
        speaker = self._speaker_of(sentence)
        for match in FIRST_PERSON.finditer(sentence.text):
            vp = main_clause(match["vp"])
            before = sentence.text[: match.start()]
            hedged = match.group(0).lower().startswith("i can") and re.search(
                r",\s*but\b", match["vp"], re.IGNORECASE
            )
            if hedged:
                continue  # "I can sign it, but I don't want to until..."
            if re.search(r",?\s+(?:if|unless|as long as)\b", match["vp"], re.IGNORECASE):
                continue  # "I'll sit on him if I have to": conditional work is no item
            if (
                match.group(0).lower().startswith("i can")
                and not find_times(match["vp"], self.meeting_date)
                and not self._asked(sentence)
            ):
                continue  # "I can move people easily": an ability, not a promise
            if (
                NOT_ACTIONS.match(vp)
                or CONDITIONAL.search(before)
                or sentence.text.rstrip().endswith("?")
            ):
                continue
            if re.search(r"\b(?:if|when)\b", before, re.IGNORECASE) and "," not in before[-3:]:
                continue
            if NEGATED.search(before) or re.search(
                r"\b(?:if|unless|in case)\b", before, re.IGNORECASE
            ):
                continue
            if re.match(r"^(?:let me )?know\b", vp, re.IGNORECASE) and match.group(
                0
            ).lower().startswith("let me"):
                continue
            self._commit(speaker, vp, sentence, full=match["vp"])

    def _due(self, text: str) -> TimeExpression | None:
        """The deadline in ``text``; "by the end of the sprint" uses a date the meeting stated."""
        due = due_in(text, self.meeting_date)
        if due is None:
            for match in BY_EVENT.finditer(text):
                said = match["event"].lower()
                for name, when in self.events.items():
                    if said in (name, name.split()[-1]) or name.endswith(said.split()[-1]):
                        return TimeExpression(match.group(0), 0, 0, when.date)
        return due

    def _asked(self, sentence: Sentence) -> bool:
        """Whether the turn before this one asked something of the speaker."""
        previous = self._previous_sentence(self._first_sentence_of(sentence.utterance))
        return previous is not None and previous.text.rstrip().endswith("?")

    def _volunteers_in(self, sentence: Sentence) -> None:
        speaker = self._speaker_of(sentence)
        for match in VOLUNTEER.finditer(sentence.text):
            vp = main_clause(match["vp"])
            words = vp.split()
            if words and words[0].lower().endswith("ing"):
                words[0] = gerund_to_base(words[0])  # "put me down for getting the quote"
            self._commit(speaker, " ".join(words), sentence)
        for match in ON_BEHALF.finditer(sentence.text):
            self._commit(speaker, main_clause(match["vp"]), sentence)

    def _commit(
        self, owner: str | None, vp: str, sentence: Sentence, full: str | None = None
    ) -> None:
        hedge = re.search(
            r",?\s*but\s+(?:probably|maybe|likely|realistically)?\s*not\s+(?:until|before)\b.*$",
            full or "",
            re.IGNORECASE,
        )
        for part in split_deliverables(vp, self.meeting_date):
            due = self._due(part)
            if due is None and hedge:
                due = self._due(hedge.group(0))  # "..., but probably not until Tuesday"
            followed = self._follow_up(owner, part, sentence, due)
            if followed:
                continue
            taken = TAKE.match(part)
            if taken:
                source = self._declined_or_item(taken["object"], sentence)
                if source is not None:
                    self.items.append(_Item(owner, source, sentence, due, "takeover"))
                    continue
                theirs = self._taken_item(taken["object"], owner)
                if theirs is not None:
                    # "I'll take the shirts off your plate": the task changes hands.
                    theirs.owner, theirs.sentence, theirs.released = owner, sentence, False
                    theirs.due = due
                    theirs.history.append(sentence)
                    continue
            if self._refines_this_turn(owner, part, sentence, due):
                continue
            task = self._task(part, owner, self._previous_speaker(sentence), sentence)
            if FIND_OUT.match(part):
                question = self._recent_question(sentence, owner)
                if question:
                    task = f"Find out: {question[:1].lower()}{question[1:]}"
            if due is not None and due.phrase and due.start == due.end == 0:
                task = re.sub(rf"\s*{re.escape(due.phrase)}\s*", " ", task).strip()
            self.items.append(_Item(owner, task, sentence, due, "commitment"))

    def _taken_item(self, phrase: str, taker: str | None) -> _Item | None:
        """Someone else's active item that ``phrase`` clearly names ("the boss rebalance")."""
        wanted = {w.rstrip("s") for w in content_words(phrase)} - {"count", "plate", "off"}
        best: tuple[int, _Item] | None = None
        for item in self.items:
            if not item.active or item.owner == taker:
                continue
            shared = len(wanted & {w.rstrip("s") for w in content_words(item.task)})
            clear = shared >= 2 or (shared and shared == len(wanted))
            if clear and (best is None or shared >= best[0]):
                best = (shared, item)
        return best[1] if best else None

    def _refines_this_turn(
        self, owner: str | None, part: str, sentence: Sentence, due: TimeExpression | None
    ) -> bool:
        """A second commitment in one turn about the same thing ("...the order next Wednesday")."""
        if not self.items:
            return False
        item = self.items[-1]
        if item.owner != owner or item.sentence.utterance != sentence.utterance or not item.active:
            return False
        shared = {w.rstrip("s") for w in content_words(part)} & {
            w.rstrip("s") for w in content_words(item.task)
        }
        if not shared:
            return False
        if due is not None:
            item.due, item.sentence = due, sentence
        item.history.append(sentence)
        return True

    def _trailing_date(self, sentence: Sentence) -> bool:
        """ "It'll go out Monday." / "Let's say Thursday the 24th.": the date of the last item."""
        if not self.items or FIRST_PERSON.search(sentence.text) or sentence.text.endswith("?"):
            return False
        item = self.items[-1]
        previous = self._previous_sentence(sentence)
        if previous is None or previous.utterance != sentence.utterance:
            return False
        if item.sentence.position != previous.position or item.owner != self._speaker_of(sentence):
            return False
        due = self._due(sentence.text)
        if due is None or due.date is None:
            return False
        item.due = due
        item.history.append(sentence)
        vague = r"^(?:handle|do|deal with|cover|sort|take care of)\b"
        if re.match(vague, item.task, re.IGNORECASE):
            detail = clean_sentence(sentence.text.replace(due.phrase, "")).rstrip(" .,")
            detail = re.sub(r"\s+(?:by|on|before)$", "", detail)
            item.task = f"{item.task} ({detail[:1].lower()}{detail[1:]})"
        return True

    def _recent_question(self, sentence: Sentence, asker_not: str | None) -> str | None:
        window = self.sentences[max(0, sentence.position - 6) : sentence.position]
        for previous in reversed(window):
            if previous.text.rstrip().endswith("?") and self._speaker_of(previous) != asker_not:
                # The first question of that turn; later ones tend to be fragments ("Like, when?").
                first = next(
                    s
                    for s in self._sentences_of(previous.utterance)
                    if s.text.rstrip().endswith("?")
                )
                return clean_sentence(first.text.rstrip(" ?"))
        return None

    def _follow_up(
        self, owner: str | None, part: str, sentence: Sentence, due: TimeExpression | None
    ) -> bool:
        """A commitment that only refines the speaker's recent item: fold it in."""
        refers_back = re.match(
            rf"^(?:\w+\s+){{0,2}}{PRONOUNS}\b|^(?:copy|cc|loop|include)\b|^have\s+{PRONOUNS}\b",
            part,
            re.IGNORECASE,
        ) or (
            due is None
            and re.match(
                r"^(?:it|that|this|they)(?:'s| is| was| are)\b", sentence.text, re.IGNORECASE
            )
        )
        if not refers_back:
            return False
        for item in reversed(self.items):
            if sentence.position - item.sentence.position > LOOKBACK:
                break
            if item.active and item.owner == owner:
                if due is not None:
                    item.due = due
                item.sentence = sentence if due is not None else item.sentence
                item.history.append(sentence)
                return True
        return False

    def _declined_or_item(self, words_of: str, sentence: Sentence) -> str | None:
        wanted = set(content_words(words_of)) | {w.rstrip("s") for w in content_words(words_of)}
        for request in reversed(self.requests):
            if not request.declined:
                continue
            have = {w.rstrip("s") for w in content_words(request.task)}
            if wanted & have:
                self.requests.remove(request)
                return self._task(request.task, None, None, request.sentence)
        return None

    # Third-person assignments and unowned duties --------------------------------------------

    def _assignments_in(self, sentence: Sentence) -> None:
        for match in HAS_GOT.finditer(sentence.text):
            if self._person(match["name"]) and self._referenced_item(match["vp"], sentence):
                return  # "So Hannah's got the distributor call": a confirmation, nothing new
        for match in THIRD_PERSON.finditer(sentence.text):
            name = self._named(match["name"] or match["recap"])
            vp = main_clause(match["vp"] or match["recap_vp"])
            if name is None or name == self._speaker_of(sentence) or NOT_ACTIONS.match(vp):
                continue
            if CONDITIONAL.search(
                sentence.text[: match.start()]
            ) or sentence.text.rstrip().endswith("?"):
                continue
            due = due_in(vp, self.meeting_date)
            if self._follow_up(name, vp, sentence, due):
                continue
            self.items.append(
                _Item(name, self._task(vp, name, None, sentence), sentence, due, "assignment")
            )

    def _duties_in(self, sentence: Sentence) -> None:
        someone = SOMEONE_MUST.search(sentence.text)
        if someone and not sentence.text.rstrip().endswith("?"):
            soft = someone["must"].lower() in ("should", "ought to")
            if not soft or self._confirmed_later(sentence):
                vp = main_clause(someone["vp"])
                task = self._task(vp, None, None, sentence)
                self.items.append(_Item(None, task, sentence, self._due(vp), "duty"))
                return
        match = PASSIVE_DUTY.search(sentence.text)
        if match and not CONDITIONAL.search(sentence.text[: match.start()]):
            verb = base_form(match["verb"])
            subject = match["subject"]
            if re.fullmatch(PRONOUNS, subject, re.IGNORECASE):
                subject = self._antecedent(sentence) or subject
            due = self._due(match["rest"])
            if due is not None and due.date is not None:
                rest = main_clause(match["rest"])
                for expression in find_times(rest, self.meeting_date):
                    rest = rest.replace(expression.phrase, " ")
                rest = " ".join(rest.split())
                rest = re.sub(r"\b(?:by|before|on|until)\s*$", "", rest).strip(" ,")
                task = f"{verb} {strip_article(subject)} {rest}".strip()
                self.items.append(_Item(None, capitalise(task), sentence, due, "duty"))
                return
        if ACTION_MARKER.search(sentence.text):
            for item in reversed(self.items):
                if sentence.position - item.sentence.position > LOOKBACK:
                    break
                if item.kind == "duty":
                    item.history.append(sentence)
                    return

    def _confirmed_later(self, sentence: Sentence) -> bool:
        """ "Somebody should update the FAQ." - "Yes, put it on the list.": the group agrees."""
        later = self.sentences[sentence.position + 1 : sentence.position + 5]
        return any(CONFIRMS_DUTY.search(s.text) for s in later)

    # Changes to existing items --------------------------------------------------------------

    def _release(self, sentence: Sentence) -> None:
        """ "I don't think I can get to it": the item this turn names, else the speaker's last."""
        speaker = self._speaker_of(sentence)
        mine = [i for i in self.items if i.active and i.owner == speaker]
        if not mine:
            return
        said = {w.rstrip("s") for w in content_words(self._utterance_text(sentence.utterance))}
        overlap = [
            (len(said & {w.rstrip("s") for w in content_words(i.task)}), n)
            for n, i in enumerate(mine)
        ]
        best, index = max(overlap)
        mine[index if best > 0 else -1].released = True

    def _cancel(self, sentence: Sentence, obj: str) -> None:
        target = self._referenced_item(obj, sentence, lookback=LOOKBACK * 2)
        if target is not None:
            target.active = False

    def _referenced_item(
        self, phrase: str, sentence: Sentence, lookback: int = LOOKBACK
    ) -> _Item | None:
        """The recent item ``phrase`` names by its words, else by a pronoun (released first)."""
        wanted = {w.rstrip("s") for w in content_words(phrase)} - {
            "instead",
            "take",
            "handle",
            "own",
            "cover",
        }
        recent = [
            i
            for i in self.items
            if i.active and sentence.position - i.sentence.position <= lookback
        ]
        if wanted:
            scored = [
                (len(wanted & {w.rstrip("s") for w in content_words(i.task)}), n, i)
                for n, i in enumerate(recent)
            ]
            best = max(scored, default=None, key=lambda t: (t[0], t[1]))
            if best is not None and best[0] > 0:
                return best[2]
            return None
        released = [i for i in self.items if i.active and i.released]  # a release stays news
        candidates = released or recent
        return candidates[-1] if candidates else None

    # Phrasing ---------------------------------------------------------------------------------

    def _task(
        self,
        vp: str,
        owner: str | None,
        listener: str | None,
        sentence: Sentence,
        requester: str | None = None,
    ) -> str:
        """A short imperative from a verb phrase: drop dates and fillers, resolve people."""
        task = vp
        for expression in find_times(task, self.meeting_date):
            task = task.replace(expression.phrase, " ")
        task = re.sub(r"\b(?:by|on|before|until|till|at|for)\s*(?=[,.]|$)", " ", task.strip())
        task = re.sub(r"\s+", " ", task).strip(" ,")
        task = TRAILING.sub("", task)
        task = re.sub(
            r"^(?:(?:also|just|then|quickly|go ahead and|try to)\s+)+",
            "",
            task,
            flags=re.IGNORECASE,
        )
        task = re.sub(
            r"^have\s+(.+?)\s+(?:ready|done|finished|complete|written)\b.*$",
            r"finish \1",
            task,
            flags=re.IGNORECASE,
        )
        if re.match(r"^have\s", task, re.IGNORECASE):
            located = re.search(r"\s(?:on|in|at|into|onto)\s", task)
            task = ("get " if located else "finish ") + task[5:]
        task = re.sub(r"^let (\w+) know\b", r"tell \1", task, flags=re.IGNORECASE)
        if requester:
            task = re.sub(r"\bme\b", requester, task)
            task = re.sub(r"\bmy\b", f"{requester}'s", task)
            task = re.sub(r"\byour\b", "the", task)
        task = re.sub(r"^take\s+(?:care of|on)\s+", "handle ", task, flags=re.IGNORECASE)
        if listener and listener != owner:
            task = re.sub(r"\byou\b", listener, task)
            task = re.sub(r"\byour\b", f"{listener}'s", task)
        if re.search(r"\b(?:it|them)\b", task):
            antecedent = self._antecedent(sentence)
            if antecedent:
                task = re.sub(r"\b(?:it|them)\b", antecedent, task, count=1)
        return capitalise(task.strip(" ,") or vp)

    def _antecedent(self, sentence: Sentence) -> str | None:
        """What a pronoun most likely stands for: a recent item's object, else a noun phrase."""
        for item in reversed(self.items):
            if sentence.position - item.sentence.position > LOOKBACK:
                break
            if item.active and item.kind == "duty":
                verb, _, rest = item.task.partition(" ")
                return f"{gerund(verb.lower())} {rest}".strip()
        for previous in reversed(
            self.sentences[max(0, sentence.position - 4) : sentence.position + 1]
        ):
            for match in ANTECEDENT.finditer(previous.text):
                phrase = NP_STOP.sub("", match.group(0)).strip()
                phrase = phrase[:1].lower() + phrase[1:]
                if len(phrase.split()) >= 2 and content_words(phrase) and previous != sentence:
                    return phrase
        return None

    def _action_item(self, item: _Item) -> ActionItem:
        quote = clean_quote(item.sentence.text)
        return ActionItem(
            owner=item.owner,
            task=item.task,
            due=item.due.date if item.due else None,
            due_phrase=item.due.phrase if item.due else None,
            evidence=Evidence(
                quote=quote, start=item.sentence.start, speaker=item.sentence.speaker
            ),
        )

    # Decisions ----------------------------------------------------------------------------------

    def _decisions(self) -> list[Decision]:
        found: list[tuple[Sentence, str]] = []
        for sentence in self.sentences:
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
                found.append((sentence, self._decision_text(sentence, match)))
            elif self._accepted_proposal(sentence):
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
            if (
                decisions
                and last is not None
                and self._same_decision(said[-1], text, last, sentence)
            ):
                if len(content_words(phrased)) >= len(content_words(decisions[-1].text)) - 1:
                    decisions[-1] = self._decision(phrased, sentence)
                said[-1] += " " + text
                last = sentence
                continue
            decisions.append(self._decision(phrased, sentence))
            said.append(text)
            last = sentence
        return decisions

    def _decision(self, text: str, sentence: Sentence) -> Decision:
        return Decision(
            text=text,
            evidence=Evidence(
                quote=clean_quote(sentence.text), start=sentence.start, speaker=sentence.speaker
            ),
        )

    def _decision_text(self, sentence: Sentence, match: re.Match[str]) -> str:
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
            previous = self._previous_sentence(sentence)
            return previous.text if previous is not None else text
        earlier = [
            s for s in self._sentences_of(sentence.utterance) if s.position < sentence.position
        ]
        cancelled = CANCEL.search(earlier[-1].text) if earlier else None
        if cancelled:
            text = f"{cancelled.group(0)}; {text}"
        return text

    def _previous_sentence(self, sentence: Sentence) -> Sentence | None:
        return self.sentences[sentence.position - 1] if sentence.position > 0 else None

    def _same_decision(self, first: str, second: str, a: Sentence, b: Sentence) -> bool:
        if b.position - a.position > 10:
            return False
        shared = set(content_words(first)) & set(content_words(second))
        return bool(shared - {"let", "use", "going"})

    def _accepted_proposal(self, sentence: Sentence) -> bool:
        """A proposal followed by a call for objections, or by agreement from the others."""
        if not PROPOSAL.search(sentence.text):
            return False
        following = self.sentences[sentence.position + 1 : sentence.position + 6]
        asked = any(
            OBJECTION_CALL.search(s.text)
            for s in following[:2]
            if s.utterance == sentence.utterance
        )
        replies = [
            s
            for s in following
            if s.utterance != sentence.utterance and self._first_sentence_of(s.utterance) == s
        ]
        agreeing = [s for s in replies[:3] if AGREE.search(s.text) and not DECLINE.search(s.text)]
        if (
            replies
            and re.search(r"\b(?:wait|but|no,|don't)\b", replies[0].text, re.IGNORECASE)
            and not agreeing
        ):
            return False
        return (asked and bool(agreeing)) or len(agreeing) >= 2

    # Open questions -----------------------------------------------------------------------------

    def _open_questions(self) -> list[str]:
        questions: list[str] = []
        last_utterance = -1
        for sentence in self.sentences:
            text = sentence.text.strip()
            if not text.endswith("?") or len(words(text)) < 5 or REQUEST.search(text):
                continue
            if SOCIAL_QUESTION.match(text):
                continue
            answers = [
                s
                for s in self.sentences[sentence.position + 1 : sentence.position + 5]
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

    # Overview -----------------------------------------------------------------------------------

    def _overview(self, topic_names: list[str], decisions: int, items: int) -> str:
        who = join(self.speakers or self.people)
        when = f"{self.meeting_date:%A %d %B %Y}"
        opening = f"{who} met on {when}" if who else f"Meeting of {when}"
        about = f" and discussed {join(topic_names)}" if topic_names else ""
        counts = (
            f"{decisions} decision{'s' * (decisions != 1)}, {items} action item{'s' * (items != 1)}"
        )
        return f"{opening}{about}. Outcome: {counts}."

    # Helpers ------------------------------------------------------------------------------------

    def _sentences_of(self, utterance: int) -> list[Sentence]:
        return [s for s in self.sentences if s.utterance == utterance]

    def _first_sentence_of(self, utterance: int) -> Sentence:
        return self._sentences_of(utterance)[0]

    def _utterance_text(self, utterance: int) -> str:
        return " ".join(s.text for s in self._sentences_of(utterance))


def _unique(values: object) -> list[str]:
    seen: list[str] = []
    for value in values:  # type: ignore[attr-defined]
        if value and value not in seen:
            seen.append(value)
    return seen


def _merge_duplicates(items: list[ActionItem]) -> list[ActionItem]:
    """Items with the same owner and mostly the same words are one item; the later one wins."""
    merged: list[ActionItem] = []
    for item in items:
        mine = set(content_words(item.task))
        for index, other in enumerate(merged):
            theirs = set(content_words(other.task))
            overlap = len(mine & theirs) / max(len(mine | theirs), 1)
            if other.owner == item.owner and overlap >= 0.6:
                merged[index] = item if item.due or not other.due else other
                break
        else:
            merged.append(item)
    return merged
