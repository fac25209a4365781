"""The ``openai`` summarizer: a chat model fills the ``Summary`` schema.

- Structured Outputs first: ``response_format`` is the strict JSON schema of ``Summary``.
  Servers that reject ``json_schema`` (llama.cpp server, older Ollama and LM Studio builds)
  get JSON mode with the schema in the prompt instead, from then on for the life of the process;
  ``summarizer.response_format`` can fix either. Every answer is validated with pydantic; an
  invalid one is sent back once with the validation error.
- temperature 0 (configurable: reasoning models refuse it), the output token limit always set,
  the seed when configured. On api.openai.com the limit is ``max_completion_tokens`` (newer
  models refuse ``max_tokens``); on other servers it is ``max_tokens``, which all of them take.
- ``finish_reason == "length"``: the call is repeated once with twice the room; if the answer
  still does not fit, the window is split in two and the halves are merged.
- A refusal is not retried: the call is recorded with status ``refused`` and the summary says so.
- Long transcripts are map-reduced: windows of ``summarizer.window_tokens`` are summarized one
  by one (evidence carries its start time), then the partial summaries are merged in a final call.
- Batch mode (``summarizer.mode = "batch"``) sends the window requests through the Batch API and
  raises ``BatchPending``; see ``daemon.batch``.
- With ``privacy.redact``, the model only ever sees the meeting with placeholders
  (``daemon.privacy``); its answer is restored before it is returned. The map is rebuilt from
  the transcript each time, so a Batch answer collected after a restart is restored too.

The prompt version and the model that answered are kept for ``provenance()``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pydantic

from daemon.api.client import ApiClient, current_recording
from daemon.api.costs import Metered
from daemon.errors import ApiRequestError
from daemon.sections import SummarizerSettings
from daemon.sections_ops import PrivacySettings
from daemon.summarize import prompts
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance
from daemon.summarize.tokens import counter_for, windows

log = logging.getLogger("daemon.summarize.llm")

ENDPOINT = "chat.completions"
# Partial summaries go back to the model without the grounding check's marks.
_UNVERIFIED: Any = {
    "action_items": {"__all__": {"evidence": {"verified"}}},
    "decisions": {"__all__": {"evidence": {"verified"}}},
}
_ROOM_GROWTH = 2


class _TooLong(Exception):
    """The answer did not fit in the output limit even with more room."""


@dataclass(frozen=True)
class Answer:
    """One parsed chat completion."""

    content: str | None
    finish_reason: str
    refusal: str | None
    model: str
    usage: tuple[int, int] = (0, 0)  # tokens in, out


def strict_schema() -> dict[str, Any]:
    """``Summary``'s JSON schema in the form strict Structured Outputs accept.

    Every property is required (optional ones are nullable instead), no extra properties,
    no defaults, and ``verified`` is left out: it is the grounding check's to set.
    """
    schema = copy.deepcopy(Summary.model_json_schema())

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("default", None)
            if node.get("type") == "object" and "properties" in node:
                node["properties"].pop("verified", None)
                node["required"] = list(node["properties"])
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


def transcript_lines(utterances: Sequence[Utterance]) -> list[str]:
    lines = []
    for u in utterances:
        start = u.start or 0.0
        clock = f"{int(start) // 3600:02d}:{int(start) % 3600 // 60:02d}:{int(start) % 60:02d}"
        lines.append(f"[{clock}] {u.speaker}: {u.text}" if u.speaker else f"[{clock}] {u.text}")
    return lines


class LlmSummarizer:
    name = "openai"

    def __init__(
        self,
        settings: SummarizerSettings,
        api: ApiClient,
        privacy: PrivacySettings | None = None,
        roster: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.api = api
        self.privacy = privacy or PrivacySettings()
        self.roster = tuple(roster)  # names known before the meeting: PERSONs to redact
        self.redacted: dict[str, int] = {}  # entity type -> values replaced in the last run
        self.format = (
            "json_schema" if settings.response_format == "auto" else settings.response_format
        )
        self.answered_by = settings.model
        self._count = counter_for(settings.model)

    def identity(self) -> dict[str, Any]:
        # The configured model, not the one that answered: this must be known before the call.
        # Redaction changes what the model reads, so its settings are part of the identity
        # (and its counts, known only afterwards, are not). Off, the identity is what it was.
        identity = {**self.provenance(), "model": self.settings.model}
        del identity["redaction"]
        if self.privacy.redact:
            privacy = self.privacy
            identity["redaction"] = {
                "entities": sorted(privacy.entities), "allow": sorted(privacy.allow),
                "deny": sorted(privacy.deny), "roster": sorted(self.roster),
            }  # fmt: skip
        return identity

    def provenance(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.answered_by,
            "prompt_version": prompts.PROMPT_VERSION,
            "options": {
                "response_format": self.format,
                "temperature": self.settings.temperature,
                "seed": self.settings.seed,
                "mode": self.settings.mode,
                "base_url": self.api.settings.base_url or "https://api.openai.com/v1",
            },
            "redaction": {"enabled": self.privacy.redact, "entities": dict(self.redacted)},
        }

    # Map-reduce -------------------------------------------------------------------------------

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        if not self.privacy.redact:
            self.redacted = {}
            return self._summarize(utterances, meeting_date)
        from daemon.privacy import redact_meeting

        redaction = redact_meeting(utterances, self.privacy, self.roster)
        self.redacted = dict(redaction.counts)
        return redaction.restore(self._summarize(redaction.utterances, meeting_date))

    def _summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        lines = transcript_lines(utterances)
        if self.settings.mode == "batch":
            from daemon.batch import summarize_in_batch

            return summarize_in_batch(self, lines, meeting_date)
        groups = windows(lines, self.settings.window_tokens, self._count)
        partials: list[Summary] = []
        for number, group in enumerate(groups, start=1):
            partials.extend(self._window(group, meeting_date, number, len(groups)))
        return self.merge(partials, meeting_date)

    def window_messages(
        self, lines: list[str], meeting_date: date, number: int, total: int
    ) -> list[dict[str, str]]:
        part = prompts.PART.format(number=number, total=total) if total > 1 else ""
        user = prompts.WINDOW.format(part=part, transcript="\n".join(lines))
        return self._messages(user, meeting_date)

    def _window(
        self, lines: list[str], meeting_date: date, number: int, total: int
    ) -> list[Summary]:
        """A summary of these lines; several when the answer had to be split."""
        try:
            return [self.complete(self.window_messages(lines, meeting_date, number, total))]
        except _TooLong:
            if len(lines) < 2:
                raise ApiRequestError(
                    self.api.backend, "the summary does not fit the output token limit"
                ) from None
            log.info("summary of %d lines too long for one answer; splitting", len(lines))
            half = len(lines) // 2
            return self._window(lines[:half], meeting_date, number, total) + self._window(
                lines[half:], meeting_date, number, total
            )

    def merge(self, partials: list[Summary], meeting_date: date) -> Summary:
        """One summary from partial ones, in as many merge calls as the window size needs."""
        if not partials:
            return Summary(title="Meeting", overview="Nothing was said.")
        while len(partials) > 1:
            texts = [p.model_dump_json(exclude=_UNVERIFIED) for p in partials]
            groups = windows(texts, self.settings.window_tokens, self._count)
            if len(groups) == len(texts) and len(texts) > 2:
                groups = [texts[i : i + 2] for i in range(0, len(texts), 2)]
            merged = []
            for group in groups:
                user = prompts.MERGE.format(partials="\n".join(group))
                try:
                    merged.append(self.complete(self._messages(user, meeting_date)))
                except _TooLong as exc:
                    raise ApiRequestError(
                        self.api.backend, "the merged summary does not fit the output token limit"
                    ) from exc
            partials = merged
        return partials[0]

    def _messages(self, user: str, meeting_date: date) -> list[dict[str, str]]:
        system = prompts.SYSTEM.format(
            meeting_date=meeting_date.isoformat(), weekday=meeting_date.strftime("%A")
        )
        if self.privacy.redact:
            system += "\n" + prompts.PLACEHOLDERS
        if self.format == "json_object":
            system += "\n" + prompts.JSON_MODE.format(schema=json.dumps(strict_schema()))
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    # One structured answer --------------------------------------------------------------------

    def complete(self, messages: list[dict[str, str]]) -> Summary:
        """One summary from one conversation: fallback, room for length, one validation retry."""
        room = self.settings.max_output_tokens
        corrected = False
        grown = False
        while True:
            try:
                answer = self._send(messages, room)
            except ApiRequestError as exc:
                if (
                    self.format == "json_schema"
                    and self.settings.response_format == "auto"
                    and (_rejects_json_schema(exc))
                ):
                    log.warning(
                        "the server does not take json_schema response formats (%s); "
                        "using JSON mode with the schema in the prompt",
                        exc.reason,
                    )
                    self.format = "json_object"
                    messages = self._with_format(messages)
                    continue
                raise
            if answer.refusal:
                return self._refused(answer.refusal)
            if answer.finish_reason == "length":
                if grown:
                    raise _TooLong
                room *= _ROOM_GROWTH
                grown = True
                continue
            try:
                return parse_summary(answer.content)
            except ValueError as exc:
                if corrected:
                    raise ApiRequestError(
                        self.api.backend,
                        f"the model's answer does not fit the summary schema: {exc}",
                    ) from exc
                corrected = True
                log.info("the model's answer was invalid; asking once more: %s", exc)
                messages = [
                    *messages,
                    {"role": "assistant", "content": answer.content or ""},
                    {"role": "user", "content": prompts.INVALID.format(error=str(exc)[:2000])},
                ]

    def request_body(self, messages: list[dict[str, str]], room: int) -> dict[str, Any]:
        """The chat completion request, as the SDK call and as a Batch API line."""
        body: dict[str, Any] = {"model": self.settings.model, "messages": messages}
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        limit = "max_tokens" if self.api.settings.base_url else "max_completion_tokens"
        body[limit] = room
        if self.settings.seed is not None:
            body["seed"] = self.settings.seed
        if self.format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "meeting_summary",
                    "strict": True,
                    "schema": strict_schema(),
                },
            }
        else:
            body["response_format"] = {"type": "json_object"}
        return body

    def _send(self, messages: list[dict[str, str]], room: int) -> Answer:
        body = self.request_body(messages, room)
        estimate = Metered(sum(self._count(m["content"]) for m in messages), room)

        def send(sdk: Any) -> Any:
            return sdk.chat.completions.with_raw_response.create(**body)

        answer: Answer = self.api.call(
            ENDPOINT, self.settings.model, send, lambda raw: read_answer(raw.parse()),
            meter_answer, estimate=estimate,
        )  # fmt: skip
        self.answered_by = answer.model
        return answer

    def _with_format(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        system = (
            messages[0]["content"]
            + "\n"
            + prompts.JSON_MODE.format(schema=json.dumps(strict_schema()))
        )
        return [{"role": "system", "content": system}, *messages[1:]]

    def _refused(self, refusal: str) -> Summary:
        log.warning("the model refused to summarize: %s", refusal[:200])
        recording = current_recording.get()
        self.api.ledger.event(recording, "summary_refused", refusal[:500])
        return Summary(
            title="Meeting",
            overview=f"The model declined to summarize this meeting: {refusal}",
        )


def parse_summary(content: str | None) -> Summary:
    """A ``Summary`` from an answer's text; ValueError with pydantic's reasons if it is not."""
    if not content:
        raise ValueError("the answer is empty")
    text = content.strip()
    if text.startswith("```"):  # JSON mode answers from small models sometimes come fenced
        text = text.strip("`").removeprefix("json").strip()
    try:
        return Summary.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise ValueError(str(exc)) from exc


def read_answer(completion: Any) -> Answer:
    if not getattr(completion, "choices", None):
        raise ValueError("the answer has no choices")
    choice = completion.choices[0]
    message = choice.message
    return Answer(
        content=message.content,
        finish_reason=str(choice.finish_reason or "stop"),
        refusal=getattr(message, "refusal", None),
        model=str(completion.model or ""),
        usage=(
            (completion.usage.prompt_tokens, completion.usage.completion_tokens)
            if completion.usage
            else (0, 0)
        ),
    )


def meter_answer(answer: Answer) -> Metered:
    status = "refused" if answer.refusal else "length" if answer.finish_reason == "length" else "ok"
    return Metered(answer.usage[0], answer.usage[1], status=status)


def _rejects_json_schema(exc: ApiRequestError) -> bool:
    reason = exc.reason.lower()
    return exc.status in (400, 422) and ("json_schema" in reason or "response_format" in reason)
