"""The one summary schema every summarizer fills, and the strict JSON schema sent to LLMs.

``verified`` on evidence is not the model's to say: the grounding check sets it after the fact.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Strict):
    quote: str = Field(description="the words the item rests on, copied from the transcript")
    start: float | None = Field(None, description="seconds from the start of the recording")
    speaker: str | None = None
    verified: bool = Field(True, description="set by the grounding check, not by a summarizer")


class ActionItem(_Strict):
    owner: str | None = Field(description="the person who will do it, or null if nobody took it")
    task: str = Field(description="a short imperative, e.g. 'Send the SAML setup guide'")
    due: date | None = Field(description="the resolved due date, or null")
    due_phrase: str | None = Field(description="the due date as said, e.g. 'by Friday'")
    evidence: Evidence


class Decision(_Strict):
    text: str = Field(description="the outcome agreed, in a few words")
    evidence: Evidence


class Summary(_Strict):
    title: str
    overview: str
    key_points: list[str] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    attendees: list[str] = Field(default_factory=list)

    @property
    def unverified(self) -> int:
        evidence = [a.evidence for a in self.action_items] + [d.evidence for d in self.decisions]
        return sum(not e.verified for e in evidence)
