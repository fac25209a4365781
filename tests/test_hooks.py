"""Delivery hooks: a command with the file's path, a webhook with retries; failures lose nothing."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from daemon.hooks import Hooks
from daemon.sections import HooksSettings


class Receiver:
    """A webhook endpoint on loopback that fails the first ``failures`` posts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(503)
                else:
                    receiver.received.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(failures=2)
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_a_command_hook_gets_the_file_path(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    script = f"import sys; open({str(seen)!r}, 'w').write(sys.argv[1])"
    hooks = Hooks(HooksSettings(command=[sys.executable, "-c", script]))
    report = tmp_path / "report.md"
    report.write_text("# r")
    hooks.delivered("report", report)
    assert seen.read_text() == str(report)


def test_a_webhook_is_retried_until_it_accepts(receiver: Receiver, tmp_path: Path) -> None:
    hooks = Hooks(HooksSettings(webhook_url=receiver.url, retries=3), sleep=lambda s: None)
    hooks.delivered("digest", tmp_path / "daily.md", {"period": "daily-2026-03-02"})
    assert receiver.received == [
        {"kind": "digest", "path": str(tmp_path / "daily.md"), "period": "daily-2026-03-02"}
    ]


def test_failing_hooks_are_logged_and_lose_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = tmp_path / "report.md"
    report.write_text("# r")
    hooks = Hooks(
        HooksSettings(
            command=[sys.executable, "-c", "raise SystemExit(3)"],
            webhook_url="http://127.0.0.1:9/unreachable",
            retries=1,
            timeout_seconds=1,
        ),
        sleep=lambda s: None,
    )
    hooks.delivered("report", report)
    assert report.read_text() == "# r"
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "exited 3" in messages and "webhook delivery" in messages


def test_hooks_fire_only_for_the_chosen_events(receiver: Receiver, tmp_path: Path) -> None:
    receiver.failures = 0
    hooks = Hooks(HooksSettings(webhook_url=receiver.url, on=["digest"]))
    hooks.delivered("report", tmp_path / "r.md")
    assert receiver.received == []
