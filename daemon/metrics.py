"""Prometheus metrics for the daemon, read from the ledger at scrape time (issue 13).

``minutes run`` serves them on ``[metrics] host:port`` (loopback by default) when a port is set.
The collector keeps no counters: every number is computed from the ledger when ``/metrics`` is
scraped (``daemon/ledger/metrics.py`` holds the queries), so nothing else in the daemon has to
report to it, the numbers survive a restart, and ``minutes process`` runs are counted too.

Stage durations come from the checkpoints of each done recording's last run: ``probe`` is timed
by the probe stage and stored with the recording; ``transcribe`` is the chunk loop's own
per-chunk timing, summed; ``merge`` (or ``diarize``, which includes the
merge) runs from the last chunk to the saved transcript; ``summarize`` from the transcript to
the summary; ``render`` from the summary (or transcript) to the report. An interval counts only
when both its ends lie inside the last run, so time spent stopped between a crash and a resume,
or a later re-summary, never shows up as a slow stage.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from daemon.api.costs import period_starts
from daemon.errors import ConfigError
from daemon.ledger.metrics import RunTimes
from daemon.sections import OpenAISettings
from daemon.sections_ops import MetricsSettings

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from daemon.ledger import Ledger

log = logging.getLogger("daemon.metrics")

STAGE_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)
HEALTH_VALUES = {"ok": 0, "degraded": 1, "down": 2}


def is_retried(status: str) -> bool:
    """Failed attempts of the kinds the call wrapper retries (rate limits and transient faults;
    the last attempt before giving up is one of them too)."""
    return status in ("rate_limited", "timeout", "connection", "bad_response") or (
        status.startswith("http_")
    )


def stage_seconds(run: RunTimes) -> dict[str, float]:
    """The stages of ``run`` whose duration the ledger's checkpoints pin down."""
    stages: dict[str, float] = {}
    if run.probe_s is not None:
        stages["probe"] = run.probe_s
    if run.transcribe_s > 0:
        stages["transcribe"] = run.transcribe_s

    def within(start: datetime | None, end: datetime | None) -> float | None:
        begin, finish = run.run_start, run.run_end
        if start is None or end is None or begin is None or finish is None:
            return None
        return (end - start).total_seconds() if begin <= start <= end <= finish else None

    merged = within(run.last_chunk_at, run.transcript_at)
    if merged is not None:
        stages["diarize" if run.diarized else "merge"] = merged
    summarized = within(run.transcript_at, run.summary_at)
    if summarized is not None:
        stages["summarize"] = summarized
    rendered = within(run.summary_at or run.transcript_at, run.report_at)
    if rendered is not None:
        stages["render"] = rendered
    return stages


class LedgerCollector(Collector):
    """Every ``minutes_*`` metric, from the ledger, each time it is collected."""

    def __init__(self, ledger: Ledger, openai: OpenAISettings) -> None:
        self.ledger = ledger
        self.openai = openai
        self.reads = ledger.metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._recordings()
        yield from self._api()
        yield from self._digests()
        yield self._health()

    def _recordings(self) -> Iterator[Metric]:
        counts = self.ledger.counts()
        states = GaugeMetricFamily(
            "minutes_recordings", "Recordings in the ledger by state.", labels=["state"]
        )
        for state, count in counts.items():
            states.add_metric([state], count)
        yield states
        yield GaugeMetricFamily(
            "minutes_queue_depth",
            "Recordings waiting to be processed (queued, including those set aside).",
            value=counts["queued"],
        )
        runs = self.reads.done_runs()
        yield CounterMetricFamily(
            "minutes_audio_processed_seconds",
            "Seconds of audio in recordings processed to a report.",
            value=sum(run.duration or 0.0 for run in runs),
        )
        stages: dict[str, list[float]] = {}
        for run in runs:
            for stage, seconds in stage_seconds(run).items():
                stages.setdefault(stage, []).append(seconds)
        durations = HistogramMetricFamily(
            "minutes_stage_duration_seconds",
            "Seconds each pipeline stage took, per done recording (from its checkpoints).",
            labels=["stage"],
        )
        for stage, values in sorted(stages.items()):
            buckets, total = _buckets(values, STAGE_BUCKETS)
            durations.add_metric([stage], buckets, total)
        yield durations
        timed = [run for run in runs if run.processing_s and run.duration]
        processing = HistogramMetricFamily(
            "minutes_recording_processing_seconds",
            "Wall-clock seconds from the start of a recording's last run to its report.",
        )
        buckets, total = _buckets([run.processing_s or 0.0 for run in timed], STAGE_BUCKETS)
        processing.add_metric([], buckets, total)
        yield processing
        rtf = HistogramMetricFamily(
            "minutes_real_time_factor",
            "Processing time divided by audio duration, per done recording (below 1: faster "
            "than real time).",
        )
        ratios = [(run.processing_s or 0.0) / (run.duration or 1.0) for run in timed]
        buckets, total = _buckets(ratios, RTF_BUCKETS)
        rtf.add_metric([], buckets, total)
        yield rtf
        last = self.reads.last_report_at()
        if last is not None:
            yield GaugeMetricFamily(
                "minutes_last_report_timestamp_seconds",
                "UNIX time the newest report was written.",
                value=last.timestamp(),
            )

    def _api(self) -> Iterator[Metric]:
        labels = ["backend", "endpoint", "model"]
        calls = CounterMetricFamily(
            "minutes_api_calls", "Remote API attempts by outcome.", labels=[*labels, "status"]
        )
        tokens = CounterMetricFamily(
            "minutes_api_tokens", "Tokens sent and received.", labels=[*labels, "direction"]
        )
        audio = CounterMetricFamily(
            "minutes_api_audio_seconds", "Seconds of audio sent to the API.", labels=labels
        )
        cost = CounterMetricFamily(
            "minutes_api_cost_usd", "What the calls cost, in US dollars.", labels=labels
        )
        retries = CounterMetricFamily(
            "minutes_api_retries",
            "Failed attempts of a kind that is retried (rate limits, 5xx, timeouts, lost "
            "connections, malformed answers).",
            labels=[*labels, "reason"],
        )
        sums: dict[tuple[str, str, str], list[float]] = {}
        for row in self.reads.api_totals():
            key = (row.backend, row.endpoint, row.model)
            calls.add_metric([*key, row.status], row.calls)
            if is_retried(row.status):
                retries.add_metric([*key, row.status], row.calls)
            total = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            for index, value in enumerate(
                (row.tokens_in, row.tokens_out, row.audio_seconds, row.cost_usd)
            ):
                total[index] += value
        for key, (sent, received, seconds, usd) in sums.items():
            tokens.add_metric([*key, "in"], sent)
            tokens.add_metric([*key, "out"], received)
            audio.add_metric(list(key), seconds)
            cost.add_metric(list(key), usd)
        yield from (calls, tokens, audio, cost, retries)
        yield from self._budget()

    def _budget(self) -> Iterator[Metric]:
        pause = self.ledger.pause()
        yield GaugeMetricFamily(
            "minutes_api_paused",
            "1 while API work is paused (refused key, no quota, budget cap), else 0.",
            value=0 if pause is None else 1,
        )
        caps = {"daily": self.openai.daily_budget_usd, "monthly": self.openai.monthly_budget_usd}
        if all(limit is None for limit in caps.values()):
            return
        day, month = period_starts(datetime.now(timezone.utc))
        remaining = GaugeMetricFamily(
            "minutes_budget_remaining_usd",
            "What is left of each configured spend cap in its UTC period.",
            labels=["period"],
        )
        for period, since in (("daily", day), ("monthly", month)):
            limit = caps[period]
            if limit is not None:
                remaining.add_metric([period], max(0.0, limit - self.ledger.spent_since(since)))
        yield remaining

    def _digests(self) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "minutes_digest_runs",
            "Scheduled digest periods handled: written, or skipped because empty.",
            labels=["kind", "outcome"],
        )
        for row in self.reads.digest_counts():
            runs.add_metric([row.kind, "written" if row.written else "skipped"], row.count)
        yield runs

    def _health(self) -> Metric:
        from daemon.status import health

        verdict = health(self.ledger).verdict
        return GaugeMetricFamily(
            "minutes_health",
            "The verdict of minutes status: 0 ok, 1 degraded, 2 down.",
            value=HEALTH_VALUES[verdict],
        )


def _buckets(
    values: Sequence[float], bounds: Iterable[float]
) -> tuple[list[tuple[str, float]], float]:
    """Cumulative bucket counts in Prometheus' form, with +Inf, and the sum."""
    ordered = sorted(values)
    buckets = [(repr(bound), float(bisect_right(ordered, bound))) for bound in bounds]
    buckets.append(("+Inf", float(len(values))))
    return buckets, float(sum(values))


class MetricsServer:
    """``/metrics`` over HTTP in a daemon thread, until ``stop``."""

    def __init__(self, settings: MetricsSettings, ledger: Ledger, openai: OpenAISettings) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.registry.register(LedgerCollector(ledger, openai))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port bound (the configured one, or the one chosen for port 0)."""
        assert self._server is not None
        return int(self._server.server_port)

    def start(self) -> None:
        port = self.settings.port or 0
        try:
            self._server, self._thread = start_http_server(
                port, addr=self.settings.host, registry=self.registry
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot serve metrics on {self.settings.host}:{port}: {exc.strerror or exc}",
                key="metrics.port",
            ) from exc
        log.info("metrics on http://%s:%d/metrics", self.settings.host, self.port)

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None
