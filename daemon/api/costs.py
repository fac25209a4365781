"""Prices and budgets.

A call's cost is ``audio minutes x audio_minute + input tokens x input_mtok / 1e6 + output
tokens x output_mtok / 1e6``, times ``batch_discount`` through the Batch API. A model name is
priced by the longest table key it starts with, so ``gpt-4o-mini-2024-07-18`` uses ``gpt-4o-mini``;
a model the table does not know (a self-hosted server) costs nothing.

Budgets are checked before a call with its estimated cost: when spend so far in the UTC day or
month plus the calls in flight plus this one would pass a cap, the call is not made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from daemon.sections import ModelPrice, OpenAISettings


@dataclass(frozen=True)
class Metered:
    """What a call used, as far as the answer (or, before the call, an estimate) says."""

    tokens_in: int = 0
    tokens_out: int = 0
    audio_seconds: float = 0.0
    status: str = "ok"


def price_of(model: str, prices: dict[str, ModelPrice]) -> ModelPrice | None:
    if model in prices:
        return prices[model]
    matches = [key for key in prices if model.startswith(key)]
    return prices[max(matches, key=len)] if matches else None


def cost_of(model: str, used: Metered, prices: dict[str, ModelPrice], *, batch: bool) -> float:
    price = price_of(model, prices)
    if price is None:
        return 0.0
    cost = (
        used.audio_seconds / 60 * price.audio_minute
        + used.tokens_in * price.input_mtok / 1e6
        + used.tokens_out * price.output_mtok / 1e6
    )
    return cost * (price.batch_discount if batch else 1.0)


@dataclass(frozen=True)
class BudgetCheck:
    """The first cap a call would pass, or None."""

    cap: str  # "daily" or "monthly"
    limit: float
    spent: float
    until: float  # when the cap's period ends (UNIX time)


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    day = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def over_budget(
    settings: OpenAISettings,
    now: datetime,
    spent_today: float,
    spent_month: float,
    next_cost: float,
) -> BudgetCheck | None:
    day, month = period_starts(now)
    daily, monthly = settings.daily_budget_usd, settings.monthly_budget_usd
    if daily is not None and spent_today + next_cost > daily:
        return BudgetCheck("daily", daily, spent_today, (day + timedelta(days=1)).timestamp())
    if monthly is not None and spent_month + next_cost > monthly:
        following = (month + timedelta(days=32)).replace(day=1)
        return BudgetCheck("monthly", monthly, spent_month, following.timestamp())
    return None
