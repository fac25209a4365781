"""Action items across meetings: one ledger of what is open, done or dropped, and who owns it.

Each summary's items are recorded with their meeting. An item that comes up again in a later
meeting (same owner, mostly the same words) is linked to the first one instead of duplicated; if
the later meeting gives it a new due date, the item takes it. A later meeting that says an item
was done or cancelled ("I sent the contract on Tuesday", "we don't need the survey any more")
changes its status, with that sentence as evidence. People can change a status by hand too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date

from daemon.errors import MinutesError
from daemon.ledger import Ledger
from daemon.ledger.summaries import STATUSES as STATUSES
from daemon.ledger.summaries import MeetingItem
from daemon.ledger.summaries import Status as Status
from daemon.ledger.summaries import TrackedItem as TrackedItem
from daemon.summarize.centrality import content_words
from daemon.summarize.schema import ActionItem, Summary
from daemon.summarize.text import Sentence, Utterance, sentences

log = logging.getLogger("daemon.actions")

_SAME_TASK = 0.5  # Jaccard of content-word stems above which two tasks are one
_DONE = re.compile(
    r"\b(?:(?:already|just|finally)\s+)?(?:did|done|finished|completed|sent|shipped|submitted|"
    r"booked|fixed|merged|filed|reviewed|updated|published|wrote|written|called|migrated|sorted|"
    r"handled|closed|resolved|delivered|renewed|signed|ordered|scheduled)\b",
    re.IGNORECASE,
)
_DROPPED = re.compile(
    r"\b(?:cancel(?:led|ed)?|drop(?:ped)?|scratch(?:ed)?|no longer need|"
    r"(?:don't|do not|won't) need|"
    r"not needed|abandon(?:ed)?|shelved?|forget about)\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(
    r"\b(?:will|'ll|going to|gonna|should|could|can|need to|have to|has to|not|haven't|hasn't|"
    r"didn't|isn't|aren't|yet|still|if|when|once|by the time|almost|nearly|trying)\b",
    re.IGNORECASE,
)


def _stems(text: str) -> set[str]:
    return {re.sub(r"(?:ing|ed|es|s|e)$", "", w) or w for w in content_words(text)}


def same_task(first: str, second: str) -> bool:
    a, b = _stems(first), _stems(second)
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= _SAME_TASK


def record(
    ledger: Ledger,
    recording_id: int,
    meeting_date: date,
    summary: Summary,
    utterances: Sequence[Utterance],
) -> None:
    """Put a meeting's items and decisions in the ledger; link repeats; apply status news."""
    earlier = [i for i in list_items(ledger, statuses=("open",)) if i.recording_id != recording_id]
    items = []
    for item in summary.action_items:
        canonical = _repeat_of(item, earlier, meeting_date)
        moves_due = canonical is not None and item.due is not None and item.due != canonical.due
        items.append(MeetingItem(item, canonical.id if canonical else None, moves_due))
    # Summarizing again replaces this meeting's rows; statuses set since are carried over.
    ledger.summaries.replace_meeting(recording_id, meeting_date, items, summary.decisions)
    for tracked, status, sentence in status_news(earlier, utterances):
        note = f"said in meeting #{recording_id}: {sentence.text}"
        set_status(ledger, tracked.id, status, note=note)
        ledger.summaries.status_said_in(tracked.id, recording_id)
        log.info("action item #%d is now %s (meeting #%d)", tracked.id, status, recording_id)


def _repeat_of(item: ActionItem, earlier: list[TrackedItem], when: date) -> TrackedItem | None:
    for candidate in earlier:
        if candidate.meeting_date > when:
            continue
        same_owner = (candidate.owner or "").lower() == (item.owner or "").lower()
        if same_owner and same_task(candidate.task, item.task):
            return candidate
    return None


def status_news(
    open_items: Sequence[TrackedItem], utterances: Sequence[Utterance]
) -> list[tuple[TrackedItem, Status, Sentence]]:
    """Sentences of a meeting that report an earlier item done or dropped."""
    news: list[tuple[TrackedItem, Status, Sentence]] = []
    claimed: set[int] = set()
    for sentence in sentences(list(utterances)):
        text = sentence.text
        if text.rstrip().endswith("?"):
            continue
        status: Status | None = None
        if _DROPPED.search(text):
            status = "dropped"
        elif (done := _DONE.search(text)) and not _NOT_YET.search(text[: done.start()]):
            status = "done"
        if status is None:
            continue
        said = _stems(text)
        for item in open_items:
            if item.id in claimed:
                continue
            wanted = _stems(item.task)
            shared = said & wanted
            if len(shared) < 2 and not (wanted and len(shared) / len(wanted) >= 0.6):
                continue
            if not _owner_fits(item, sentence):
                continue
            news.append((item, status, sentence))
            claimed.add(item.id)
            break
    return news


def _owner_fits(item: TrackedItem, sentence: Sentence) -> bool:
    if item.owner is None or sentence.speaker is None:
        return True
    owner = item.owner.lower()
    return sentence.speaker.lower() == owner or owner in sentence.text.lower()


def list_items(
    ledger: Ledger,
    *,
    statuses: Sequence[Status] = STATUSES,
    owner: str | None = None,
    overdue_on: date | None = None,
    due_before: date | None = None,
    recording_id: int | None = None,
) -> list[TrackedItem]:
    """Items (linked repeats folded into their first mention), oldest meeting first."""
    items = ledger.summaries.items(statuses)
    if owner is not None:
        items = [i for i in items if (i.owner or "").lower() == owner.lower()]
    if overdue_on is not None:
        items = [i for i in items if i.overdue(overdue_on)]
    if due_before is not None:
        items = [i for i in items if i.due is not None and i.due < due_before]
    if recording_id is not None:
        linked = ledger.summaries.item_ids_of(recording_id)
        items = [i for i in items if i.id in linked]
    return items


def get(ledger: Ledger, item_id: int) -> TrackedItem:
    item = ledger.summaries.item(item_id)
    if item is None:
        raise MinutesError(f"no action item #{item_id}")
    return item


def set_status(
    ledger: Ledger, item_id: int, status: Status, note: str | None = None
) -> TrackedItem:
    """Change an item's status; a linked repeat changes the item it repeats."""
    item = get(ledger, item_id)
    first = ledger.summaries.first_mention(item_id)
    target = first if first is not None else item.id
    ledger.summaries.set_status(target, status, note)
    return get(ledger, target)
