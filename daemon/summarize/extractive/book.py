"""The action items found so far, and how later sentences change them.

A follow-up refines the speaker's recent item, a release or a "could you take that?" moves it to
someone else, a cancellation drops it, a new date replaces its due date; pronouns and vague
verbs are resolved against the items and noun phrases just before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from daemon.summarize.centrality import content_words
from daemon.summarize.cues import (
    ACCEPT,
    ANTECEDENT,
    FIRST_PERSON,
    NP_STOP,
    PRONOUNS,
    REDATE,
    TRAILING,
)
from daemon.summarize.dates import TimeExpression, find_times
from daemon.summarize.extractive.transcript import MeetingText
from daemon.summarize.phrasing import (
    capitalise,
    clean_quote,
    clean_sentence,
    due_in,
    gerund,
    last_dated,
)
from daemon.summarize.schema import ActionItem, Evidence
from daemon.summarize.text import Sentence, Utterance

LOOKBACK = 8  # sentences within which a pronoun or a follow-up refers to an earlier item


@dataclass
class Item:
    owner: str | None
    task: str
    sentence: Sentence
    due: TimeExpression | None
    kind: str
    active: bool = True
    released: bool = False
    history: list[Sentence] = field(default_factory=list)


@dataclass
class Request:
    requester: str | None
    addressee: str | None
    task: str
    sentence: Sentence
    due: TimeExpression | None
    declined: bool = False


class ItemBook(MeetingText):
    """The items and open requests so far, and the changes later sentences make to them."""

    def __init__(self, utterances: list[Utterance], meeting_date: date) -> None:
        super().__init__(utterances, meeting_date)
        self.items: list[Item] = []
        self.requests: list[Request] = []
        self.folded: set[int] = set()  # sentences already read as part of an item

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
        speaker = self.speaker_of(sentence)
        if speaker != target.owner:
            reply = self.next_utterance(sentence)
            if (
                reply is None
                or self.speaker_of(reply) != target.owner
                or not ACCEPT.search(reply.text)
            ):
                return False
            self.folded.add(reply.position)
        target.due, target.sentence = due, sentence
        target.history.append(sentence)
        return True

    def _trailing_date(self, sentence: Sentence) -> bool:
        """ "It'll go out Monday." / "Let's say Thursday the 24th.": the date of the last item."""
        if not self.items or FIRST_PERSON.search(sentence.text) or sentence.text.endswith("?"):
            return False
        item = self.items[-1]
        previous = self.previous_sentence(sentence)
        if previous is None or previous.utterance != sentence.utterance:
            return False
        if item.sentence.position != previous.position or item.owner != self.speaker_of(sentence):
            return False
        due = self.deadline_in(sentence.text)
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

    def _taken_item(self, phrase: str, taker: str | None) -> Item | None:
        """Someone else's active item that ``phrase`` clearly names ("the boss rebalance")."""
        wanted = {w.rstrip("s") for w in content_words(phrase)} - {"count", "plate", "off"}
        best: tuple[int, Item] | None = None
        for item in self.items:
            if not item.active or item.owner == taker:
                continue
            shared = len(wanted & {w.rstrip("s") for w in content_words(item.task)})
            clear = shared >= 2 or (shared and shared == len(wanted))
            if clear and (best is None or shared >= best[0]):
                best = (shared, item)
        return best[1] if best else None

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

    def _fold_rest_of_reply(self, sentence: Sentence) -> None:
        """The rest of an accepting reply refines the item it accepted (a date, a detail)."""
        item = self.items[-1]
        for other in self.sentences_of(sentence.utterance):
            if other.position < sentence.position:
                continue
            due = last_dated(find_times(other.text, self.meeting_date))
            if due is not None:
                item.due = due
            item.history.append(other)
            self.folded.add(other.position)

    def _release(self, sentence: Sentence) -> None:
        """ "I don't think I can get to it": the item this turn names, else the speaker's last."""
        speaker = self.speaker_of(sentence)
        mine = [i for i in self.items if i.active and i.owner == speaker]
        if not mine:
            return
        said = {w.rstrip("s") for w in content_words(self.utterance_text(sentence.utterance))}
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
    ) -> Item | None:
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

    def _action_item(self, item: Item) -> ActionItem:
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
