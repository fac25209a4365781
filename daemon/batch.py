"""Summaries through the Batch API (``summarizer.mode = "batch"``): half the price, up to a day.

The flow, with every step's state in the ledger so that a restart carries on:

1. The pipeline reaches the summary stage. ``summarize_in_batch`` turns the transcript's windows
   into chat completion requests (the same bodies the synchronous path sends), stores them as
   batch items keyed by ``custom_id`` (recording, plan, window), uploads them as JSONL through
   the Files API, creates a batch, and raises ``BatchPending``: the recording waits, queued.
2. The daemon calls ``BatchRunner.poll`` every ``summarizer.batch_poll_interval`` seconds (and at
   start-up). A finished batch's output file is matched to items by ``custom_id``; each result's
   usage is recorded in the ledger at the batch price. A failed or missing item is submitted
   again in a new batch, once; after that its recording fails with the item's error.
3. When all of a recording's items are in, the poll returns the recording and the daemon runs it
   through the pipeline again: the transcript is reused, ``summarize_in_batch`` finds the
   results and the report is written.

With ``privacy.redact`` the lines handed to ``summarize_in_batch`` are already redacted (the
summarizer redacts before it windows), so the JSONL uploaded holds placeholders only. The answer
is restored by the summarizer, which rebuilds the placeholder map from the transcript when the
results are collected, possibly after a restart: the ledger never holds the map, and the plan
hash of the redacted bodies stays the same across restarts because redaction is deterministic.

Kept synchronous on purpose: a window whose batch answer was cut at the length limit or did not
validate is redone with a normal call (it is one call, and it needs a conversation), and for
long meetings the final merge of the partial summaries is a normal call too, since a second
batch round would add up to another day.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from daemon.api.answers import read_json
from daemon.api.client import ApiClient, current_recording
from daemon.api.costs import Metered
from daemon.errors import ApiRequestError, BatchPending, ConfigError
from daemon.ledger import BatchItem
from daemon.summarize import prompts
from daemon.summarize.schema import Summary
from daemon.summarize.tokens import windows

if TYPE_CHECKING:
    from daemon.summarize.llm import LlmSummarizer

log = logging.getLogger("daemon.batch")

CHAT_URL: Final = "/v1/chat/completions"
MAX_ATTEMPTS = 2
_FINAL = frozenset({"completed", "failed", "expired", "cancelled"})


def summarize_in_batch(summarizer: LlmSummarizer, lines: list[str], meeting_date: date) -> Summary:
    from daemon.summarize.llm import parse_summary

    recording_id = current_recording.get()
    if recording_id is None:
        raise ConfigError(
            "summarizer.mode 'batch' summarizes the daemon's recordings; use --set "
            "summarizer.mode=sync to summarize a file now",
            key="summarizer.mode",
        )
    ledger = summarizer.api.ledger
    groups = windows(lines, summarizer.settings.window_tokens, summarizer._count)
    bodies = {
        number: summarizer.request_body(
            summarizer.window_messages(group, meeting_date, number, len(groups)),
            summarizer.settings.max_output_tokens,
        )
        for number, group in enumerate(groups, start=1)
    }
    plan = _plan(bodies)
    items = [i for i in ledger.batch_items(recording_id=recording_id) if i.plan == plan]
    if not items:
        requests = {f"r{recording_id}-{plan}-w{n}": body for n, body in bodies.items()}
        ledger.add_batch_items(recording_id, plan, requests)
        BatchRunner(summarizer.api).submit_pending()
        raise BatchPending(
            summarizer.api.backend,
            f"summary submitted to the Batch API ({len(requests)} requests)",
            until=None,
        )
    failed = [i for i in items if i.state == "failed"]
    if failed:
        raise ApiRequestError(summarizer.api.backend, f"batch request failed: {failed[0].error}")
    waiting = [i for i in items if i.state != "done"]
    if waiting:
        raise BatchPending(
            summarizer.api.backend,
            f"waiting for the Batch API ({len(waiting)} of {len(items)} requests)",
            until=None,
        )
    partials: list[Summary] = []
    for item, group in zip(items_in_order(items), groups, strict=True):
        answer = _answer(item)
        if answer.refusal:
            return summarizer._refused(answer.refusal)
        try:
            if answer.finish_reason == "length":
                raise ValueError("the answer was cut at the length limit")
            partials.append(parse_summary(answer.content))
        except ValueError as exc:
            log.info("batch answer %s unusable (%s); redoing it directly", item.custom_id, exc)
            number = groups.index(group) + 1
            partials.extend(summarizer._window(group, meeting_date, number, len(groups)))
    summarizer.answered_by = _answer(items[0]).model or summarizer.answered_by
    return summarizer.merge(partials, meeting_date)


def items_in_order(items: Sequence[BatchItem]) -> list[BatchItem]:
    return sorted(items, key=lambda i: int(i.custom_id.rsplit("-w", 1)[1]))


def _answer(item: BatchItem) -> Any:
    from openai.types.chat import ChatCompletion

    from daemon.summarize.llm import read_answer

    return read_answer(ChatCompletion.model_validate(item.result))


def _plan(bodies: dict[int, dict[str, Any]]) -> str:
    digest = hashlib.sha256(json.dumps([prompts.PROMPT_VERSION, bodies], sort_keys=True).encode())
    return digest.hexdigest()[:12]


class BatchRunner:
    """Submits pending batch items and polls open batches; owns no state beyond the ledger."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.ledger = api.ledger

    def submit_pending(self) -> str | None:
        pending = self.ledger.batch_items(state="pending")
        if not pending:
            return None
        model = str(pending[0].request["model"])
        lines = [
            json.dumps(
                {"custom_id": i.custom_id, "method": "POST", "url": CHAT_URL, "body": i.request}
            )
            for i in pending
        ]
        data = ("\n".join(lines) + "\n").encode()
        estimate = Metered(
            tokens_in=len(data) // 4,
            tokens_out=sum(int(i.request.get("max_completion_tokens") or i.request.get(
                "max_tokens") or 0) for i in pending),
        )  # fmt: skip
        upload = self.api.call(
            "files", model,
            lambda sdk: sdk.files.with_raw_response.create(
                file=("minutes-batch.jsonl", data, "application/jsonl"), purpose="batch"
            ),
            read_json, lambda _: Metered(), estimate=Metered(),
        )  # fmt: skip
        batch = self.api.call(
            "batches", model,
            lambda sdk: sdk.batches.with_raw_response.create(
                input_file_id=upload["id"], endpoint=CHAT_URL, completion_window="24h",
                metadata={"created_by": "minutes"},
            ),
            read_json, lambda _: Metered(), estimate=estimate, batch=True,
        )  # fmt: skip
        batch_id = str(batch["id"])
        self.ledger.add_batch(batch_id, str(upload["id"]), model, [i.custom_id for i in pending])
        for recording_id in {i.recording_id for i in pending}:
            self.ledger.event(recording_id, "batch_submitted", batch_id)
        log.info("batch %s submitted with %d requests", batch_id, len(pending))
        return batch_id

    def poll(self) -> set[int]:
        """Check open batches; return the recordings whose summary requests all came back."""
        ready: set[int] = set()
        for batch_id in self.ledger.open_batches():
            batch = self._retrieve(batch_id)
            status = str(batch.get("status"))
            if status not in _FINAL:
                log.debug("batch %s: %s", batch_id, status)
                continue
            self._collect(batch_id, batch)
            self.ledger.close_batch(batch_id, status)
            log.info("batch %s %s", batch_id, status)
        if self.ledger.batch_items(state="pending"):
            self.submit_pending()
        touched = {i.recording_id for i in self.ledger.batch_items()}
        for recording_id in touched:
            items = self.ledger.batch_items(recording_id=recording_id)
            if all(i.state in ("done", "failed") for i in items):
                ready.add(recording_id)
        return ready

    def _retrieve(self, batch_id: str) -> dict[str, Any]:
        def send(sdk: Any) -> Any:
            return sdk.batches.with_raw_response.retrieve(batch_id)

        batch: dict[str, Any] = self.api.call(
            "batches", "batch", send, read_json, lambda _: Metered(), estimate=Metered()
        )
        return batch

    def _collect(self, batch_id: str, batch: dict[str, Any]) -> None:
        results: dict[str, dict[str, Any]] = {}
        for key in ("output_file_id", "error_file_id"):
            file_id = batch.get(key)
            if file_id:
                for line in self._download(str(file_id)).splitlines():
                    if line.strip():
                        record = json.loads(line)
                        results[str(record.get("custom_id"))] = record
        for item in self.ledger.batch_items(batch_id=batch_id):
            if item.state != "submitted":
                continue
            record = results.get(item.custom_id)
            response = (record or {}).get("response") or {}
            if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
                body = response["body"]
                self._record_usage(item, body, response.get("request_id"))
                self.ledger.update_batch_item(item.custom_id, state="done", result=body)
                continue
            error = _item_error(record, batch)
            if item.attempts < MAX_ATTEMPTS:
                log.warning("batch item %s failed (%s); submitting again", item.custom_id, error)
                self.ledger.update_batch_item(item.custom_id, state="pending", error=error)
            else:
                self.ledger.update_batch_item(item.custom_id, state="failed", error=error)

    def _download(self, file_id: str) -> str:
        return self.api.call(
            "files", "batch",
            lambda sdk: sdk.files.with_raw_response.content(file_id),
            lambda raw: str(raw.http_response.text), lambda _: Metered(), estimate=Metered(),
        )  # fmt: skip

    def _record_usage(self, item: BatchItem, body: dict[str, Any], request_id: Any) -> None:
        from daemon.api.client import for_recording

        usage = body.get("usage") or {}
        used = Metered(
            int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )
        with for_recording(item.recording_id):
            self.api.record_usage(
                "batch.chat.completions", str(body.get("model") or item.request["model"]),
                used, request_id=str(request_id) if request_id else None,
            )  # fmt: skip


def _item_error(record: dict[str, Any] | None, batch: dict[str, Any]) -> str:
    if record is None:
        return f"no result (batch {batch.get('status')})"
    response = record.get("response") or {}
    error = record.get("error") or (response.get("body") or {}).get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    return f"{response.get('status_code', '')} {message or 'unknown error'}".strip()
