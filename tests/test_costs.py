"""`minutes costs` and `minutes config` for the remote backends, in-process through click."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.cli import cli
from daemon.ledger import ApiCall, Ledger


def test_costs_are_totalled_by_day_model_and_recording(make_settings: Any) -> None:
    settings = make_settings()
    with Ledger(settings.database) as ledger:
        row = ledger.add_recording(sha256="ab" * 32, path=Path("standup.m4a"), size=1, mtime_ns=1)
        for model, cost in (("gpt-4o-mini-transcribe", 0.003), ("gpt-4o-mini", 0.0004)):
            ledger.record_call(
                ApiCall("openai", "x", model, "ok", 0.1, recording_id=row.id, cost_usd=cost)
            )
        ledger.record_call(ApiCall("openai", "x", "gpt-4o-mini", "rejected", 0.1))
    args = ["costs", "--state-dir", str(settings.state_dir), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total_usd"] == pytest.approx(0.0034)
    assert {r["key"]: r["calls"] for r in report["model"]} == {
        "gpt-4o-mini-transcribe": 1, "gpt-4o-mini": 2,
    }  # fmt: skip
    assert report["recording"][0]["key"] == f"#{row.id} standup.m4a"
    assert len(report["day"]) == 1
    text = CliRunner().invoke(cli, ["costs", "--state-dir", str(settings.state_dir)]).output
    assert "by model" in text and "total: $0.0034" in text


def test_config_shows_the_openai_settings_and_never_a_key(monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-printed")
    result = CliRunner().invoke(cli, ["config", "--set", "summarizer.name=openai"])
    assert result.exit_code == 0, result.output
    assert "[openai]" in result.output and "sk-never-printed" not in result.output
