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

from collections.abc import Sequence
from datetime import date
from typing import Any

from daemon.summarize.centrality import content_words, key_points, title_from_topics, topics
from daemon.summarize.extractive.decisions import decisions as decisions_of
from daemon.summarize.extractive.decisions import open_questions
from daemon.summarize.extractive.reading import Reader
from daemon.summarize.phrasing import clean_sentence, join
from daemon.summarize.schema import ActionItem, Summary
from daemon.summarize.text import Utterance


class ExtractiveSummarizer:
    name = "extractive"

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name}

    def provenance(self) -> dict[str, Any] | None:
        return None

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        return _Meeting(list(utterances), meeting_date).summary()


class _Meeting(Reader):
    def summary(self) -> Summary:
        for sentence in self.sentences:
            self._read(sentence)
        decisions = decisions_of(self)
        chosen = key_points(self.sentences)
        topic_names = topics(self.sentences, people=self.named)
        items = [self._action_item(i) for i in self.items if i.active]
        return Summary(
            title=title_from_topics(topic_names),
            overview=self._overview(topic_names, len(decisions), len(items)),
            key_points=[clean_sentence(s.text) for s in chosen],
            decisions=decisions,
            action_items=_merge_duplicates(items),
            open_questions=open_questions(self),
            attendees=self.people,
        )

    def _overview(self, topic_names: list[str], decisions: int, items: int) -> str:
        who = join(self.speakers or self.people)
        when = f"{self.meeting_date:%A %d %B %Y}"
        opening = f"{who} met on {when}" if who else f"Meeting of {when}"
        about = f" and discussed {join(topic_names)}" if topic_names else ""
        counts = (
            f"{decisions} decision{'s' * (decisions != 1)}, {items} action item{'s' * (items != 1)}"
        )
        return f"{opening}{about}. Outcome: {counts}."


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
