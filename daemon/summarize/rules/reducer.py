"""Findings of every family, applied in the order they were said to the meeting's item list.

A family never edits items itself: it reports what a sentence does (adds a task, re-dates,
reassigns or cancels one) and this reducer replays those findings, so the list reflects the end
of the meeting (the annotation rules count only an item's final owner and date).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from daemon.summarize.dates import TimeExpression
from daemon.summarize.rules.parse import Said
from daemon.summarize.rules.similarity import same_task, stems

Kind = Literal["add", "assign", "redate", "reassign", "cancel"]
FOLD_TURNS = 3  # an anaphoric follow-up this close refines the item it follows


@dataclass(frozen=True)
class Finding:
    kind: Kind
    said: Said  # the evidence: the sentence that fixes this state of the item
    owner: str | None = None
    task: str | None = None  # for changes: words naming the item changed, None = the latest
    due: TimeExpression | None = None
    anaphoric: bool = False  # the task came from resolving "it"/"that": likely a follow-up
    strict: bool = False  # a change that names its item applies only to an item of that name
    context: str | None = None  # the turn around an unnamed change, to tell which item it means

    @property
    def order(self) -> tuple[int, int]:
        return (self.said.turn, self.said.span.start)


@dataclass
class Item:
    owner: str | None
    task: str
    due: TimeExpression | None
    said: Said
    touched: tuple[int, int] = (0, 0)
    history: list[Finding] = field(default_factory=list)


def reduce(findings: list[Finding]) -> list[Item]:
    items: list[Item] = []
    for finding in sorted(findings, key=lambda f: f.order):
        if finding.kind == "add":
            _add(items, finding)
            continue
        if finding.kind == "assign":
            _assign(items, finding)
            continue
        target = _target(items, finding)
        if target is None:
            continue
        if finding.kind == "cancel":
            items.remove(target)
            continue
        if finding.kind == "redate" and finding.due is not None:
            if finding.said.speaker not in _involved(target):
                continue  # a date said by a bystander is about something else
            target.due = finding.due
        elif finding.kind == "reassign":
            if finding.owner is None and target.owner != finding.said.speaker:
                continue  # only the owner can give a task up
            target.owner = finding.owner
            if finding.due is not None:
                target.due = finding.due
        target.said = finding.said
        target.touched = finding.order
        target.history.append(finding)
    return items


def _add(items: list[Item], finding: Finding) -> None:
    if finding.task is None:
        _take_over(items, finding)
        return
    if finding.anaphoric and _take_over(items, finding, unowned=False):
        return
    if _answers_request(items, finding):
        return
    for item in reversed(items):
        recent = finding.said.turn - item.touched[0] <= FOLD_TURNS
        if item.owner is None and recent and same_task(item.task, finding.task):
            item.owner = finding.owner  # "it has to be booked" - "I'll book it"
        if item.owner != finding.owner:
            continue
        if same_task(item.task, finding.task) or (finding.anaphoric and recent):
            if finding.due is not None and finding.due.date is not None:
                item.due = finding.due
            item.touched = finding.order
            item.history.append(finding)
            return
    items.append(
        Item(finding.owner, finding.task, finding.due, finding.said, finding.order, [finding])
    )


def _answers_request(items: list[Item], finding: Finding) -> bool:
    """ "Dan, can you send the budget?" - "Yes, I'll have the new draft by Monday."

    The addressee's first commitment in the turn right after the request is the acceptance:
    it can only add a date to the requested item.
    """
    latest = max(items, key=lambda i: i.touched, default=None)
    if latest is None or latest.owner != finding.owner or not latest.history:
        return False
    asked = latest.history[0]
    if asked.kind != "assign" or finding.said.turn != asked.said.turn + 1:
        return False
    if any(f.said.turn == finding.said.turn for f in latest.history[1:]):
        return False  # the answer's second commitment is something else
    if finding.due is not None and finding.due.date is not None:
        latest.due = finding.due
    latest.touched = finding.order
    latest.history.append(finding)
    return True


def _take_over(items: list[Item], finding: Finding, unowned: bool = True) -> bool:
    """ "I can do it Wednesday" / "could you take that?": the latest item, if recent."""
    latest = max(items, key=lambda i: i.touched, default=None)
    if latest is None or finding.said.turn - latest.touched[0] > FOLD_TURNS:
        return False
    # "I'll do it" takes only a task nobody holds (or one's own); "could you take it?" hands
    # over a task nobody holds or the asker's own.
    allowed = {finding.owner, finding.said.speaker if finding.kind == "assign" else None}
    if unowned:
        allowed.add(None)  # only "I'll do it" takes a task nobody holds, not "I'll call them"
    if latest.owner not in allowed:
        return False
    latest.owner = finding.owner
    if finding.due is not None and finding.due.date is not None:
        latest.due = finding.due
    latest.said, latest.touched = finding.said, finding.order
    latest.history.append(finding)
    return True


def _assign(items: list[Item], finding: Finding) -> None:
    """Handing someone a task that is already on the list moves it to them."""
    if finding.anaphoric and _take_over(items, finding):
        return
    if finding.task is None:
        return
    for item in reversed(items):
        if same_task(item.task, finding.task):
            item.owner = finding.owner
            if finding.due is not None and finding.due.date is not None:
                item.due = finding.due
            item.said, item.touched = finding.said, finding.order
            item.history.append(finding)
            return
    items.append(
        Item(finding.owner, finding.task, finding.due, finding.said, finding.order, [finding])
    )


def _target(items: list[Item], finding: Finding) -> Item | None:
    """The item a change names, else the one touched last (within a few turns)."""
    if finding.task:
        for item in reversed(items):
            if same_task(item.task, finding.task):
                return item
        if finding.strict:
            return None
    recent = items
    if finding.context:
        # "For the floor plan, ... Can I make it Wednesday?": the item the turn names.
        words = stems(finding.context)
        named = [i for i in recent if len(stems(i.task) & words) >= 2]
        if named:
            return max(named, key=lambda i: len(stems(i.task) & words))
        if finding.strict:
            return None
    if finding.kind == "reassign" and finding.owner is None:
        # "I don't think I can get to it": the speaker gives up their own latest item
        own = [i for i in items if i.owner == finding.said.speaker]
        return max(own, key=lambda i: i.touched, default=None)
    if finding.kind == "redate":
        # "Give me two weeks": the speaker's own item (or one they asked for), if recent
        theirs = [i for i in items if finding.said.speaker in _involved(i)]
        mine = max(theirs, key=lambda i: i.touched, default=None)
        if mine is not None and finding.said.turn - mine.touched[0] <= FOLD_TURNS * 2:
            return mine
    latest = max(items, key=lambda i: i.touched, default=None)
    if latest is not None and finding.said.turn - latest.touched[0] <= FOLD_TURNS:
        return latest
    return None


def _involved(item: Item) -> set[str | None]:
    """The owner and whoever asked for, gave or changed the item."""
    return {item.owner, item.said.speaker, *(f.said.speaker for f in item.history)}


def with_owner(finding: Finding, owner: str | None) -> Finding:
    return replace(finding, owner=owner)
