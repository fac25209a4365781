"""The kinds of utterance that make an action item, read one sentence at a time.

Commitments ("I'll send..."), accepted requests ("Priya, can you own the migration?" - "Sure"),
third-person assignments ("Maria will update the plan"), marked items ("Action item: ...") and
duties nobody took yet ("it has to be booked by Friday"). Vague intentions, conditional work,
status reports and declined requests are not items.
"""

from __future__ import annotations

import re

from daemon.summarize.cues import (
    ACCEPT,
    ACTION_MARKER,
    CANCEL,
    CONDITIONAL,
    CONFIRMS_DUTY,
    DECLINE,
    EVENT,
    FIND_OUT,
    FIRST_PERSON,
    HAS_GOT,
    IMPERATIVE_TO_NAME,
    MARKED,
    NEGATED,
    NOT_ACTIONS,
    ON_BEHALF,
    PASSIVE_DUTY,
    PRONOUNS,
    RELEASE,
    REQUEST,
    SOMEONE_MUST,
    TAKE,
    THIRD_PERSON,
    VOLUNTEER,
)
from daemon.summarize.dates import find_times
from daemon.summarize.extractive.book import LOOKBACK, Item, ItemBook, Request
from daemon.summarize.phrasing import (
    base_form,
    capitalise,
    clean_sentence,
    due_in,
    gerund_to_base,
    last_dated,
    main_clause,
    split_deliverables,
    strip_article,
)
from daemon.summarize.text import Sentence, words


class Reader(ItemBook):
    """Reads each sentence for the kinds of utterance that make or change an item."""

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

    def _marked_item(self, sentence: Sentence) -> bool:
        """ "Action item: update the wiki", "Action item for Quinn: renew the certificate"."""
        match = MARKED.search(sentence.text)
        if not match:
            return False
        owner = self.person(match["name"] or match["name2"])
        vp = main_clause(match["vp"])
        task = self._task(vp, owner, None, sentence)
        self.items.append(Item(owner, task, sentence, due_in(vp, self.meeting_date), "marker"))
        return True

    def _requests_in(self, sentence: Sentence) -> None:
        match = REQUEST.search(sentence.text) or IMPERATIVE_TO_NAME.match(sentence.text)
        if not match or CONDITIONAL.search(sentence.text[: match.start()]):
            return
        if match.groupdict().get("name") and not self.person(match["name"]):
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
        addressee = (match.groupdict().get("name") and self.person(match["name"])) or self.vocative(
            sentence
        )
        requester = self.speaker_of(sentence)
        if addressee and requester and addressee == requester:
            return
        self.requests.append(
            Request(
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
        speaker = self.speaker_of(sentence)
        if speaker is None or speaker == request.requester:
            return False
        if request.addressee is not None and speaker != request.addressee:
            return False
        first_of_reply = self.first_sentence_of(sentence.utterance) == sentence
        if not first_of_reply:
            return False
        reply = self.utterance_text(sentence.utterance)
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
        rest = [s for s in self.sentences_of(sentence.utterance) if s.position >= sentence.position]
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
        self.items.append(Item(speaker, task, request.sentence, due, "request"))
        self._fold_rest_of_reply(sentence)
        return True

    def _commitments_in(self, sentence: Sentence) -> None:
        speaker = self.speaker_of(sentence)
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
                and not self.was_asked(sentence)
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

    def _volunteers_in(self, sentence: Sentence) -> None:
        speaker = self.speaker_of(sentence)
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
            due = self.deadline_in(part)
            if due is None and hedge:
                due = self.deadline_in(hedge.group(0))  # "..., but probably not until Tuesday"
            followed = self._follow_up(owner, part, sentence, due)
            if followed:
                continue
            taken = TAKE.match(part)
            if taken:
                source = self._declined_or_item(taken["object"], sentence)
                if source is not None:
                    self.items.append(Item(owner, source, sentence, due, "takeover"))
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
            task = self._task(part, owner, self.previous_speaker(sentence), sentence)
            if FIND_OUT.match(part):
                question = self._recent_question(sentence, owner)
                if question:
                    task = f"Find out: {question[:1].lower()}{question[1:]}"
            if due is not None and due.phrase and due.start == due.end == 0:
                task = re.sub(rf"\s*{re.escape(due.phrase)}\s*", " ", task).strip()
            self.items.append(Item(owner, task, sentence, due, "commitment"))

    def _recent_question(self, sentence: Sentence, asker_not: str | None) -> str | None:
        window = self.sentences[max(0, sentence.position - 6) : sentence.position]
        for previous in reversed(window):
            if previous.text.rstrip().endswith("?") and self.speaker_of(previous) != asker_not:
                # The first question of that turn; later ones tend to be fragments ("Like, when?").
                first = next(
                    s
                    for s in self.sentences_of(previous.utterance)
                    if s.text.rstrip().endswith("?")
                )
                return clean_sentence(first.text.rstrip(" ?"))
        return None

    def _assignments_in(self, sentence: Sentence) -> None:
        for match in HAS_GOT.finditer(sentence.text):
            if self.person(match["name"]) and self._referenced_item(match["vp"], sentence):
                return  # "So Hannah's got the distributor call": a confirmation, nothing new
        for match in THIRD_PERSON.finditer(sentence.text):
            name = self.name_for(match["name"] or match["recap"])
            vp = main_clause(match["vp"] or match["recap_vp"])
            if name is None or name == self.speaker_of(sentence) or NOT_ACTIONS.match(vp):
                continue
            if CONDITIONAL.search(
                sentence.text[: match.start()]
            ) or sentence.text.rstrip().endswith("?"):
                continue
            due = due_in(vp, self.meeting_date)
            if self._follow_up(name, vp, sentence, due):
                continue
            self.items.append(
                Item(name, self._task(vp, name, None, sentence), sentence, due, "assignment")
            )

    def _duties_in(self, sentence: Sentence) -> None:
        someone = SOMEONE_MUST.search(sentence.text)
        if someone and not sentence.text.rstrip().endswith("?"):
            soft = someone["must"].lower() in ("should", "ought to")
            if not soft or self._confirmed_later(sentence):
                vp = main_clause(someone["vp"])
                task = self._task(vp, None, None, sentence)
                self.items.append(Item(None, task, sentence, self.deadline_in(vp), "duty"))
                return
        match = PASSIVE_DUTY.search(sentence.text)
        if match and not CONDITIONAL.search(sentence.text[: match.start()]):
            verb = base_form(match["verb"])
            subject = match["subject"]
            if re.fullmatch(PRONOUNS, subject, re.IGNORECASE):
                subject = self._antecedent(sentence) or subject
            due = self.deadline_in(match["rest"])
            if due is not None and due.date is not None:
                rest = main_clause(match["rest"])
                for expression in find_times(rest, self.meeting_date):
                    rest = rest.replace(expression.phrase, " ")
                rest = " ".join(rest.split())
                rest = re.sub(r"\b(?:by|before|on|until)\s*$", "", rest).strip(" ,")
                task = f"{verb} {strip_article(subject)} {rest}".strip()
                self.items.append(Item(None, capitalise(task), sentence, due, "duty"))
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
