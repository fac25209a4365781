"""How an ``ask`` result is printed: for people (terminal-safe text) and for scripts (JSON)."""

from __future__ import annotations

import json
from typing import Any

from daemon.ask import AskResult
from daemon.ask.sources import Source
from daemon.terminal import terminal_safe


def as_json(result: AskResult) -> str:
    data: dict[str, Any] = {
        "question": result.question,
        "retrieval": result.retrieval,
        "answer": result.answer,
        "why_no_answer": result.why_no_answer if result.answer is None else None,
        "model": result.model,
        "citations": [{**_source(c.source), "quote": c.quote} for c in result.citations],
        "dropped_citations": [
            {"source": d.key, "quote": d.quote, "reason": d.reason} for d in result.dropped
        ],
        "tool_calls": list(result.tool_calls),
        "passages": [_source(s) for s in result.passages],
        "open_action_items": [_source(s) for s in result.open_items],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_text(result: AskResult) -> str:
    lines: list[str] = []
    if result.answer is None:
        lines.append(
            f"No answer: {result.why_no_answer}. "
            "These are the passages that match best, not an answer."
        )
        lines.append("")
        lines += _passages(result.passages) or ["no passages match"]
        if result.open_items:
            lines += ["", "Open action items that match:"]
            lines += [f"  {s.where} #{s.item_id} {_one_line(s.text)}" for s in result.open_items]
        return terminal_safe("\n".join(lines), keep_newlines=True)
    lines.append(result.answer)
    if result.citations:
        lines += ["", "Sources:"]
        for c in result.citations:
            lines.append(f"  {c.source.where} {c.source.link or ''}".rstrip())
            lines.append(f"    “{_one_line(c.quote)}”")
    else:
        lines += ["", "⚠ no citation of this answer could be checked against the meetings"]
    if result.dropped:
        lines += ["", "Dropped citations (not grounded in the meetings):"]
        lines += [f"  {d.key}: “{_one_line(d.quote)}” ({d.reason})" for d in result.dropped]
    return terminal_safe("\n".join(lines), keep_newlines=True)


def _passages(sources: tuple[Source, ...]) -> list[str]:
    lines = []
    for number, s in enumerate(sources, start=1):
        lines.append(f"{number}. {s.where} ({s.kind}) {s.link or ''}".rstrip())
        lines += [f"     {line}" for line in s.text.splitlines()]
    return lines


def _source(s: Source) -> dict[str, Any]:
    return {
        "source": s.key, "kind": s.kind, "meeting_id": s.recording_id, "meeting": s.meeting,
        "date": s.meeting_date.isoformat() if s.meeting_date else None,
        "report": str(s.report) if s.report else None, "at": s.start, "link": s.link,
        "speaker": s.speaker, "text": s.text, "passage_id": s.passage_id,
        "action_item_id": s.item_id,
    }  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(text.split())
