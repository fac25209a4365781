"""Settings: one model, one precedence order, unknown keys refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import cli
from daemon.config import load_settings, mask_secrets
from daemon.errors import ConfigError


def test_defaults_are_folders_under_the_working_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.inbox == tmp_path / "inbox"
    assert settings.outbox == tmp_path / "outbox"
    assert settings.database == tmp_path / ".minutes" / "ledger.db"
    assert settings.transcriber.model == "base"
    assert settings.transcriber.compute_type == "int8"
    assert settings.after_success == "archive"
    assert settings.stability_delay == 5.0


def test_relative_folders_in_a_config_file_are_relative_to_that_file(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "minutes.toml"
    config.parent.mkdir()
    config.write_text('inbox = "drop"\noutbox = "/srv/minutes"\n')
    settings = load_settings(config)
    assert settings.inbox == tmp_path / "etc" / "drop"
    assert settings.outbox == Path("/srv/minutes")


def test_minutes_toml_in_the_working_directory_is_found(tmp_path: Path) -> None:
    (tmp_path / "minutes.toml").write_text("[transcriber]\nbeam_size = 2\n")
    assert load_settings().transcriber.beam_size == 2


def test_environment_overrides_the_file_and_flags_override_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "minutes.toml"
    config.write_text('inbox = "from-file"\n[transcriber]\nmodel = "small"\nbeam_size = 2\n')
    monkeypatch.setenv("MINUTES_INBOX", "/env/inbox")
    monkeypatch.setenv("MINUTES_TRANSCRIBER__BEAM_SIZE", "3")
    settings = load_settings(config, {"transcriber.beam_size": 4})
    assert settings.inbox == Path("/env/inbox")
    assert settings.transcriber.model == "small"  # from the file, untouched by the others
    assert settings.transcriber.beam_size == 4


def test_an_unknown_key_is_an_error_that_names_it(tmp_path: Path) -> None:
    config = tmp_path / "minutes.toml"
    config.write_text("[transcriber]\nmodle = 'tiny'\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert error.value.key == "transcriber.modle"
    assert "unknown setting 'transcriber.modle'" in str(error.value)


def test_an_invalid_value_is_an_error_that_names_the_key() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, {"after_success": "shred"})
    assert error.value.key == "after_success"


def test_a_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_broken_toml_is_reported_with_the_file_name(tmp_path: Path) -> None:
    config = tmp_path / "minutes.toml"
    config.write_text("inbox = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_secret_looking_values_are_masked_at_any_depth() -> None:
    data = {
        "openai": {
            "api_key": "sk-live-123",
            "api_key_env": "OPENAI_API_KEY",
            "base_url": "http://x",
        },
        "token": "t",
        "name": "a",
    }
    assert mask_secrets(data) == {
        "openai": {"api_key": "****", "api_key_env": "OPENAI_API_KEY", "base_url": "http://x"},
        "token": "****",
        "name": "a",
    }


def test_minutes_config_prints_the_effective_settings_as_toml(tmp_path: Path) -> None:
    (tmp_path / "minutes.toml").write_text("[chunking]\nmax_seconds = 120\n")
    result = CliRunner().invoke(cli, ["config", "--set", "transcriber.language=de"])
    assert result.exit_code == 0, result.output
    assert f"# config file: {tmp_path / 'minutes.toml'}" in result.output
    assert "max_seconds = 120.0" in result.output
    assert 'language = "de"' in result.output
    assert "[transcriber]" in result.output


def test_cli_reports_an_unknown_key_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "daemon", "config", "--set", "nonsense=1"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "minutes: error: unknown setting 'nonsense'"


def test_a_bad_value_is_traced_to_the_environment_variable_that_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "minutes.toml").write_text("[transcriber]\nbeam_size = 2\n")
    monkeypatch.setenv("MINUTES_TRANSCRIBER__BEAM_SIZE", "0")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "(environment variable MINUTES_TRANSCRIBER__BEAM_SIZE)" in str(error.value)


def test_a_bad_value_is_traced_to_the_config_file_that_set_it(tmp_path: Path) -> None:
    (tmp_path / "minutes.toml").write_text("[transcriber]\nbeam_size = 0\n")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert f"(config file {tmp_path / 'minutes.toml'})" in str(error.value)
