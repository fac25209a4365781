"""The rules summarizer: rule families over spaCy's parse, deterministic and offline (issue 10).

It lives beside the extractive summarizer (``summarizer.name = "rules"``) until it beats it on
the development meetings. The flow:

- `parse`: the meeting's turns parsed once by `daemon.nlp.english()` (sentences, tags,
  dependencies, entities), with the few questions every family asks of a sentence;
- families, one module each, that report *findings* about what a sentence does:
  `commitments` ("I'll send the guide by Friday"), `requests` (requests and their answers,
  assignments), `unowned` (tasks put on the list with no owner), `changes` (re-date, release,
  cancel); `decisions` and `questions` report decisions and open questions directly;
- `tasks` phrases a task as an imperative from a verb of the parse and its object, with
  `anaphora` naming what "it" or "that" refers to; `outcomes` phrases a decision;
- `reducer` replays the findings in the order said, so items reflect the end of the meeting;
  `similarity` is the one notion of "same task" it (and every family) uses;
- `attendees`: the speakers, plus people addressed by name who answer.

Rules encode kinds of utterance (a first-person future, a question with "can you", an answer
that opens with a refusal), never lines of a meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from daemon.summarize.centrality import key_points, title_from_topics, topics
from daemon.summarize.rules import (
    attendees,
    changes,
    commitments,
    decisions,
    questions,
    requests,
    unowned,
)
from daemon.summarize.rules.parse import Meeting
from daemon.summarize.rules.reducer import Item, reduce
from daemon.summarize.schema import ActionItem, Evidence, Summary
from daemon.summarize.text import Utterance, sentences

__all__ = ["RulesSummarizer", "summarize"]

VERSION = 1  # bump when a rule changes what a summary says: stored summaries are then redone


class RulesSummarizer:
    name = "rules"

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name, "version": VERSION}

    def provenance(self) -> dict[str, Any] | None:
        return None

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        return summarize(utterances, meeting_date)


def summarize(utterances: Sequence[Utterance], meeting_date: date) -> Summary:
    meeting = Meeting(utterances, meeting_date)
    findings = [
        *commitments.find(meeting),
        *requests.find(meeting),
        *unowned.find(meeting),
        *changes.find(meeting),
    ]
    items = [_action_item(i) for i in reduce(findings)]
    found_decisions = decisions.find(meeting)
    people = attendees.find(meeting)
    # Title and key points are not rules: the same TextRank centrality as the old summarizer.
    plain = sentences(list(utterances))
    topic_names = topics(plain, people=people)
    return Summary(
        title=title_from_topics(topic_names),
        overview=_overview(people, meeting_date, len(found_decisions), len(items)),
        key_points=[s.text for s in key_points(plain)],
        decisions=found_decisions,
        action_items=items,
        open_questions=questions.find(meeting),
        attendees=people,
    )


def _action_item(item: Item) -> ActionItem:
    said = item.said
    return ActionItem(
        owner=item.owner,
        task=item.task,
        due=item.due.date if item.due else None,
        due_phrase=item.due.phrase if item.due else None,
        evidence=Evidence(quote=said.text, speaker=said.speaker),
    )


def _overview(people: list[str], when: date, decided: int, items: int) -> str:
    who = ", ".join(people)
    opening = f"{who} met on {when:%A %d %B %Y}" if who else f"Meeting of {when:%A %d %B %Y}"
    return f"{opening}. Outcome: {decided} decision(s), {items} action item(s)."
