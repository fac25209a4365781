"""The answer from a chat model: structured output (answer + citations), tools, a few rounds.

The model gets the question and the retrieved passages, each under its key, and answers in the
strict JSON schema of ``ModelAnswer``. It may first call the tools (``daemon.ask.tools``); they
run here and their results go back as ``tool`` messages, for at most ``MAX_ROUNDS`` rounds, the
last without tools, so a model that keeps calling them still has to answer. Every request goes
through ``ApiClient.call`` (retried, costed, budgeted). A server that rejects ``json_schema``
gets JSON mode with the schema in the prompt, as summaries do.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pydantic

from daemon.api.client import ApiClient
from daemon.api.costs import Metered
from daemon.ask.sources import Source
from daemon.ask.tools import DEFINITIONS, Toolbox
from daemon.errors import ApiRequestError
from daemon.sections import SummarizerSettings

log = logging.getLogger("daemon.ask.llm")

ENDPOINT = "chat.completions"
MAX_ROUNDS = 4
PROMPT_VERSION = "ask-1"

SYSTEM = """You answer questions about a team's meetings, using only the sources given: \
transcript passages, decisions and action items, each with a key such as [P3] or [A12]. \
Today is {today}. Call list_action_items for questions about who owes what, and \
search_meetings when the passages do not contain the answer. Answer briefly, mark each claim \
with the key of its source in square brackets, and list every source you used as a citation \
with a quote copied word for word from it. If the sources do not answer the question, say so."""


class Cite(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    source: str = pydantic.Field(description="a source key, e.g. P3 or A12")
    quote: str = pydantic.Field(description="words copied exactly from that source")


class ModelAnswer(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    answer: str
    citations: list[Cite]


def _schema() -> dict[str, Any]:
    schema = ModelAnswer.model_json_schema()
    for node in (schema, *schema.get("$defs", {}).values()):
        node["additionalProperties"] = False
        node["required"] = list(node["properties"])
    return schema


class AskModel:
    def __init__(self, settings: SummarizerSettings, api: ApiClient, tools: Toolbox) -> None:
        self.settings = settings
        self.api = api
        self.tools = tools
        self.format = "json_object" if settings.response_format == "json_object" else "json_schema"
        self.calls: list[str] = []  # the tool calls run, "name(arguments)"
        self._today = date.today()

    def answer(self, question: str, sources: list[Source], today: date) -> ModelAnswer:
        self._today = today
        passages = "\n\n".join(s.for_model() for s in sources) or "(no passage matched)"
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self._system(today)},
            {"role": "user", "content": f"Question: {question}\n\nSources:\n\n{passages}"},
        ]
        for round_ in range(1, MAX_ROUNDS + 1):
            message = self._send(messages, tools=round_ < MAX_ROUNDS)
            calls = message.get("tool_calls") or []
            if not calls:
                return _parse(message.get("content"), self.api.backend)
            messages.append(message)
            for call in calls:
                name, arguments = call["function"]["name"], call["function"]["arguments"]
                self.calls.append(f"{name}({arguments})")
                result = self.tools.run(name, arguments)
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        raise ApiRequestError(self.api.backend, "the model did not answer after its tool calls")

    def _system(self, today: date) -> str:
        system = SYSTEM.format(today=today.isoformat())
        if self.format == "json_object":
            system += "\nAnswer with one JSON object of this schema: " + json.dumps(_schema())
        return system

    def _send(self, messages: list[dict[str, Any]], *, tools: bool) -> dict[str, Any]:
        try:
            return self._request(messages, tools)
        except ApiRequestError as exc:
            reason = exc.reason.lower()
            if (
                self.format != "json_schema"
                or exc.status not in (400, 422)
                or ("json_schema" not in reason and "response_format" not in reason)
            ):
                raise
            log.warning("the server does not take json_schema; using JSON mode")
            self.format = "json_object"
            messages[0] = {"role": "system", "content": self._system(self._today)}
            return self._request(messages, tools)

    def _request(self, messages: list[dict[str, Any]], tools: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.settings.model, "messages": messages}
        if tools:
            body["tools"] = DEFINITIONS
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        limit = "max_tokens" if self.api.settings.base_url else "max_completion_tokens"
        body[limit] = min(self.settings.max_output_tokens, 2048)
        if self.settings.seed is not None:
            body["seed"] = self.settings.seed
        body["response_format"] = (
            {"type": "json_schema",
             "json_schema": {"name": "meeting_answer", "strict": True, "schema": _schema()}}
            if self.format == "json_schema" else {"type": "json_object"}
        )  # fmt: skip
        size = sum(len(json.dumps(m)) for m in messages) // 4
        estimate = Metered(size, body[limit])

        def send(sdk: Any) -> Any:
            return sdk.chat.completions.with_raw_response.create(**body)

        def read(raw: Any) -> tuple[dict[str, Any], Metered]:
            completion = raw.parse()
            if not getattr(completion, "choices", None):
                raise ValueError("the answer has no choices")
            message = completion.choices[0].message
            usage = completion.usage
            used = Metered(usage.prompt_tokens, usage.completion_tokens) if usage else Metered()
            reply: dict[str, Any] = {"role": "assistant", "content": message.content}
            if message.tool_calls:
                reply["tool_calls"] = [
                    {"id": c.id, "type": "function",
                     "function": {"name": c.function.name, "arguments": c.function.arguments}}
                    for c in message.tool_calls
                ]  # fmt: skip
            return reply, used

        message, _ = self.api.call(
            ENDPOINT, self.settings.model, send, read, lambda v: v[1], estimate=estimate
        )
        return message


def _parse(content: str | None, backend: str) -> ModelAnswer:
    text = (content or "").strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return ModelAnswer.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise ApiRequestError(backend, f"the answer does not fit the schema: {exc}") from exc
