"""The tools ``minutes ask`` offers the model, run here against the ledger.

Questions about commitments ("what is Tomasz still on the hook for?") are answered better from
the action-item ledger, with its statuses and due dates, than from passages. The model may call
``list_action_items`` and ``search_meetings``; every result enters the registry, so the model
can cite what a tool returned, and only that. Arguments are validated here: the model's JSON is
input like any other, and a bad call gets an error message back instead of failing the answer.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from daemon import actions
from daemon.ask.sources import Registry
from daemon.embed import Embedder
from daemon.ledger import Ledger
from daemon.search.rank import Filters, find

log = logging.getLogger("daemon.ask.tools")

MAX_RESULTS = 20

DEFINITIONS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "list_action_items",
            "description": "Action items from every meeting in the ledger, oldest meeting first.",
            "parameters": {
                "type": "object",
                "properties": {
                    "owner": {"type": ["string", "null"], "description": "a person's name"},
                    "status": {"type": "string", "enum": ["open", "done", "dropped", "all"]},
                    "due_before": {
                        "type": ["string", "null"], "description": "YYYY-MM-DD, exclusive",
                    },
                },
                "required": ["owner", "status", "due_before"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_meetings",
            "description": "More transcript passages, decisions and action items for a query.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
]  # fmt: skip


class Toolbox:
    def __init__(
        self, ledger: Ledger, embedder: Embedder | None, filters: Filters, registry: Registry
    ) -> None:
        self.ledger = ledger
        self.embedder = embedder
        self.filters = filters
        self.registry = registry

    def run(self, name: str, arguments: str) -> str:
        """The tool's answer as JSON text (an ``error`` object when the call is not valid)."""
        try:
            args = json.loads(arguments or "{}")
            if not isinstance(args, dict):
                raise ValueError("arguments must be a JSON object")
            if name == "list_action_items":
                return json.dumps(self.list_action_items(**args))
            if name == "search_meetings":
                return json.dumps(self.search_meetings(**args))
            raise ValueError(f"no tool {name!r}")
        except (TypeError, ValueError) as exc:
            log.info("tool call %s refused: %s", name, exc)
            return json.dumps({"error": str(exc)})

    def list_action_items(
        self, owner: str | None = None, status: str = "open", due_before: str | None = None
    ) -> dict[str, Any]:
        if status not in ("open", "done", "dropped", "all"):
            raise ValueError(f"status must be open, done, dropped or all, not {status!r}")
        items = actions.list_items(
            self.ledger,
            statuses=actions.STATUSES if status == "all" else (status,),  # type: ignore[arg-type]
            owner=owner or self.filters.owner,
            due_before=date.fromisoformat(due_before) if due_before else None,
            recording_id=self.filters.meeting,
        )
        items = [
            i for i in items
            if (self.filters.since is None or i.meeting_date >= self.filters.since)
            and (self.filters.until is None or i.meeting_date <= self.filters.until)
        ][:MAX_RESULTS]  # fmt: skip
        titles = self._titles({i.recording_id for i in items})
        rows = []
        for item in items:
            source = self.registry.item(item, titles.get(item.recording_id))
            rows.append(
                {"id": source.key, "owner": item.owner, "task": item.task,
                 "status": item.status, "due": item.due.isoformat() if item.due else None,
                 "meeting": source.meeting, "said": item.evidence}
            )  # fmt: skip
        return {"action_items": rows}

    def search_meetings(self, query: str) -> dict[str, Any]:
        if not isinstance(query, str):
            raise ValueError("query must be a string")
        found = find(self.ledger, query, self.embedder, filters=self.filters, limit=8)
        sources = [self.registry.passage(r.passage) for r in found]
        return {"passages": [s.for_model() for s in sources]}

    def _titles(self, recording_ids: set[int]) -> dict[int, str]:
        store = self.ledger.passages
        titles: dict[int, str] = {}
        for rid in recording_ids:
            first = store.of_recording(rid)[:1]
            passage = store.get(first).get(first[0]) if first else None
            if passage is not None and passage.title:
                titles[rid] = passage.title
        return titles
