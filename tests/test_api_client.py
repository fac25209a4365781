"""The call wrapper against a local server speaking the OpenAI API: taxonomy, ledger, budgets."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Reply, completion, error

from daemon.api.client import ApiClient, for_recording, resolve_api_key
from daemon.api.costs import Metered
from daemon.config import Settings, load_settings
from daemon.errors import (
    ApiPaused,
    ApiRequestError,
    ApiUnavailable,
    ConfigError,
    RateLimited,
)
from daemon.ledger import Ledger

CHAT = "/v1/chat/completions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def api_settings(make_settings: Any, fake: FakeOpenAI, **overrides: Any) -> Settings:
    values = {
        "openai.base_url": fake.url,
        "openai.timeout": 1.0,
        "openai.backoff_initial": 0.02,
        "openai.backoff_max": 0.1,
        "openai.max_retries": 2,
        "openai.rate_limit_max_wait": 2.0,
        **overrides,
    }
    return make_settings(**values)  # type: ignore[no-any-return]


@pytest.fixture
def client(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ApiClient]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-0123456789")
    settings = api_settings(make_settings, fake)
    with Ledger(settings.database) as ledger:
        yield ApiClient(settings.openai, ledger)


SMALL = Metered(10, 10)


def chat(client: ApiClient, model: str = "gpt-4o-mini", estimate: Metered = SMALL) -> str:
    def send(sdk: Any) -> Any:
        return sdk.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=10
        )

    def meter(value: Any) -> Metered:
        return Metered(value.usage.prompt_tokens, value.usage.completion_tokens)

    answer = client.call(
        "chat.completions", model, send, lambda raw: raw.parse(), meter,
        estimate=estimate,
    )  # fmt: skip
    return str(answer.choices[0].message.content)


def test_a_normal_answer_is_recorded_with_request_id_tokens_and_cost(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, Reply(body=completion("hello", usage=(2_000_000, 1_000_000))))
    with for_recording(None):
        assert chat(client) == "hello"
    (call,) = client.ledger.api_calls()
    assert (call.status, call.http_status, call.request_id) == ("ok", 200, "req_1")
    assert (call.tokens_in, call.tokens_out) == (2_000_000, 1_000_000)
    assert call.cost_usd == pytest.approx(2 * 0.15 + 0.60)  # gpt-4o-mini's default prices
    assert fake.seen(CHAT)[0].headers["authorization"] == "Bearer sk-test-secret-0123456789"


def test_a_bad_request_fails_at_once_with_the_apis_message(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, error(400, "Invalid value for 'messages'"))
    with pytest.raises(ApiRequestError, match="Invalid value for 'messages'") as caught:
        chat(client)
    assert caught.value.status == 400
    assert len(fake.seen(CHAT)) == 1
    assert [c.status for c in client.ledger.api_calls()] == ["rejected"]


@pytest.mark.parametrize("status", [404, 422])
def test_not_found_and_unprocessable_are_not_retried(
    client: ApiClient, fake: FakeOpenAI, status: int
) -> None:
    fake.enqueue(CHAT, error(status, "no such model"))
    with pytest.raises(ApiRequestError):
        chat(client)
    assert len(fake.seen(CHAT)) == 1


def test_a_refused_key_pauses_all_api_work_and_logs_no_secret(
    client: ApiClient, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.enqueue(CHAT, error(401, "Incorrect API key provided: sk-tes***6789"))
    with pytest.raises(ApiPaused) as caught:
        chat(client)
    assert caught.value.kind == "auth"
    with pytest.raises(ApiPaused):
        chat(client)  # refused without touching the network
    assert len(fake.seen(CHAT)) == 1
    pause = client.ledger.pause()
    assert pause is not None and pause.kind == "auth" and "401" in pause.reason
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert "sk-test-secret-0123456789" not in caplog.text


def test_no_quota_pauses_like_a_bad_key_and_is_never_retried(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(
        CHAT, error(429, "You exceeded your current quota", code="insufficient_quota",
                    type="insufficient_quota"),
    )  # fmt: skip
    with pytest.raises(ApiPaused, match="no quota") as caught:
        chat(client)
    assert caught.value.kind == "quota"
    assert len(fake.seen(CHAT)) == 1


def test_after_the_pause_interval_one_call_probes_and_success_resumes(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    settings = api_settings(make_settings, fake, **{"openai.pause_retry_interval": 0.2})
    with Ledger(settings.database) as ledger:
        client = ApiClient(settings.openai, ledger)
        fake.enqueue(CHAT, error(401, "bad key"))
        with pytest.raises(ApiPaused):
            chat(client)
        time.sleep(0.25)
        assert chat(client)
        assert ledger.pause() is None


class InThread:
    """A call in a thread of its own, as the transcriber's workers make them."""

    def __init__(self, call: Callable[[], str]) -> None:
        self.outcome: str | BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], str]) -> None:
        try:
            self.outcome = call()
        except BaseException as exc:  # handed to the test, which asserts on it
            self.outcome = exc

    def result(self) -> str | BaseException | None:
        self._thread.join(10)
        assert not self._thread.is_alive()
        return self.outcome


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "refusal",
    [
        error(401, "Incorrect API key provided"),
        error(429, "You exceeded your current quota", code="insufficient_quota",
              type="insufficient_quota"),
    ],
    ids=["401", "insufficient_quota"],
)  # fmt: skip
def test_an_answer_to_a_call_sent_before_the_pause_does_not_lift_it(
    client: ApiClient, fake: FakeOpenAI, refusal: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daemon.api")
    fake.enqueue(CHAT, Reply(body=completion("slow"), delay=0.5), refusal)
    slow = InThread(lambda: chat(client))
    wait_for(lambda: len(fake.seen(CHAT)) == 1)
    with pytest.raises(ApiPaused):
        chat(client)
    assert slow.result() == "slow"  # answered after the refusal, sent before it
    assert client.ledger.pause() is not None
    assert "resuming" not in caplog.text
    with pytest.raises(ApiPaused):
        chat(client)
    assert len(fake.seen(CHAT)) == 2


def test_a_retry_is_not_sent_once_another_call_paused_the_api(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    settings = api_settings(
        make_settings, fake, **{"openai.backoff_initial": 1.0, "openai.backoff_max": 1.0}
    )
    fake.enqueue(CHAT, error(500, "boom"), error(401, "Incorrect API key provided"))
    with Ledger(settings.database) as ledger:
        client = ApiClient(settings.openai, ledger)
        retrying = InThread(lambda: chat(client))  # waits 0.5 to 1 s before its retry
        wait_for(lambda: len(ledger.api_calls()) == 1)
        with pytest.raises(ApiPaused):
            chat(client)
        assert isinstance(retrying.result(), ApiPaused)
    assert len(fake.seen(CHAT)) == 2


def test_once_the_interval_is_over_one_call_probes_and_the_others_wait_for_its_answer(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    settings = api_settings(make_settings, fake, **{"openai.pause_retry_interval": 0.2})
    fake.enqueue(
        CHAT, error(401, "bad key"), Reply(body=completion("probe"), delay=0.4),
        *(Reply(body=completion("after")) for _ in range(2)),
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        client = ApiClient(settings.openai, ledger)
        with pytest.raises(ApiPaused):
            chat(client)
        time.sleep(0.25)
        calls = [InThread(lambda: chat(client)) for _ in range(3)]
        assert sorted(str(c.result()) for c in calls) == ["after", "after", "probe"]
        assert ledger.pause() is None
    probe, *others = fake.seen(CHAT)[1:]
    assert len(others) == 2 and all(s.at >= probe.at + 0.4 for s in others)


def test_a_refused_probe_renews_the_pause_and_the_waiting_calls_send_nothing(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    settings = api_settings(make_settings, fake, **{"openai.pause_retry_interval": 0.2})
    refused = error(401, "bad key")
    fake.enqueue(CHAT, refused, Reply(refused.status, refused.body, delay=0.3))
    with Ledger(settings.database) as ledger:
        client = ApiClient(settings.openai, ledger)
        with pytest.raises(ApiPaused):
            chat(client)
        first = ledger.pause()
        time.sleep(0.25)
        calls = [InThread(lambda: chat(client)) for _ in range(3)]
        assert all(isinstance(c.result(), ApiPaused) for c in calls)
        renewed = ledger.pause()
    assert len(fake.seen(CHAT)) == 2
    assert first is not None and renewed is not None and renewed.since > first.since


def test_a_rate_limit_waits_at_least_retry_after_then_succeeds(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, error(429, "Rate limit reached", headers={"Retry-After": "0.3"}))
    started = time.monotonic()
    assert chat(client)
    assert time.monotonic() - started >= 0.3
    assert [c.status for c in client.ledger.api_calls()] == ["rate_limited", "ok"]


def test_a_rate_limit_without_retry_after_backs_off(client: ApiClient, fake: FakeOpenAI) -> None:
    fake.enqueue(CHAT, error(429, "slow down"), error(429, "slow down"))
    assert chat(client)
    assert len(fake.seen(CHAT)) == 3


def test_a_retry_after_beyond_the_cap_reschedules_the_job(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, error(429, "Rate limit reached", headers={"Retry-After": "3600"}))
    started = time.time()
    with pytest.raises(RateLimited) as caught:
        chat(client)
    assert caught.value.until is not None and caught.value.until >= started + 3600
    assert len(fake.seen(CHAT)) == 1
    assert client.ledger.pause() is None  # only this job waits


def test_server_errors_are_retried_a_bounded_number_of_times(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, error(500, "boom"), error(502, "bad gateway"))
    assert chat(client)
    fake.enqueue(CHAT, *(error(503, "overloaded") for _ in range(3)))
    with pytest.raises(ApiUnavailable, match="http_503 after 3 attempts"):
        chat(client)
    statuses = [c.status for c in client.ledger.api_calls()]
    assert statuses == ["http_500", "http_502", "ok", "http_503", "http_503", "http_503"]


def test_a_hang_past_the_timeout_is_retried(client: ApiClient, fake: FakeOpenAI) -> None:
    fake.enqueue(CHAT, Reply(body=completion("late"), delay=3.0))
    assert chat(client)
    calls = client.ledger.api_calls()
    assert [c.status for c in calls] == ["timeout", "ok"]
    assert calls[0].latency_s >= 1.0


def test_a_body_cut_mid_way_and_malformed_json_are_retried(
    client: ApiClient, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, Reply(body=completion("x"), cut=True), Reply(body=b'{"id": "chat'))
    assert chat(client)
    statuses = [c.status for c in client.ledger.api_calls()]
    assert statuses == ["connection", "bad_response", "ok"]


def test_a_call_that_would_pass_the_daily_budget_is_not_sent(
    make_settings: Any, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    settings = api_settings(make_settings, fake, **{"openai.daily_budget_usd": 0.5})
    with Ledger(settings.database) as ledger:
        client = ApiClient(settings.openai, ledger)
        fake.enqueue(CHAT, Reply(body=completion("a", usage=(1_000_000, 500_000))))
        chat(client)  # $0.45 spent
        with pytest.raises(ApiPaused, match=r"daily budget of \$0\.50") as caught:
            # ~$0.07 for 10k tokens in and 4k out on gpt-4o; $0.05 are left
            chat(client, model="gpt-4o", estimate=Metered(10_000, 4_096))
        assert caught.value.kind == "budget"
        assert len(fake.seen(CHAT)) == 1
        pause = ledger.pause()
        assert pause is not None and pause.kind == "budget"
        assert pause.until is not None and pause.until > time.time()


def test_the_key_comes_from_the_environment_or_a_file_never_the_config(
    make_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="no OpenAI API key"):
        resolve_api_key(make_settings().openai)
    key_file = tmp_path / "key.txt"
    key_file.write_text("sk-from-file\n")
    assert resolve_api_key(make_settings(**{"openai.api_key_file": key_file}).openai) == (
        "sk-from-file"
    )
    monkeypatch.setenv("MY_KEY", "sk-from-env")
    assert resolve_api_key(make_settings(**{"openai.api_key_env": "MY_KEY"}).openai) == (
        "sk-from-env"
    )
    config = tmp_path / "minutes.toml"
    config.write_text('[openai]\napi_key = "sk-in-config"\n')
    with pytest.raises(ConfigError, match="never read from settings") as caught:
        load_settings(config)
    assert "sk-in-config" not in caught.value.message


def test_a_compatible_server_needs_no_key(make_settings: Any, fake: FakeOpenAI) -> None:
    settings = api_settings(make_settings, fake)
    assert resolve_api_key(settings.openai) == "not-needed"
