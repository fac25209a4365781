"""Delivery hooks: after a report or digest is on disk, run a command or POST to a webhook.

A hook is a convenience, never a condition: its failure is logged and the file stays where it
is. The webhook gets a small JSON document (kind, path, title, and for reports the counts), with
a timeout and a few retries with backoff; the command gets the file's path as its last argument.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from daemon.sections import HooksSettings

log = logging.getLogger("daemon.hooks")


class Hooks:
    def __init__(self, settings: HooksSettings, sleep: Any = time.sleep) -> None:
        self.settings = settings
        self._sleep = sleep

    def delivered(self, kind: str, path: Path, details: dict[str, Any] | None = None) -> None:
        if kind not in self.settings.on:
            return
        if self.settings.command:
            self._run(path)
        if self.settings.webhook_url:
            self._post({"kind": kind, "path": str(path), **(details or {})})

    def _run(self, path: Path) -> None:
        command = [*(self.settings.command or []), str(path)]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=self.settings.timeout_seconds
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("hook command %s failed: %s", command[0], exc)
            return
        if result.returncode != 0:
            log.warning(
                "hook command %s exited %d: %s",
                command[0], result.returncode, result.stderr.strip()[:200],
            )  # fmt: skip

    def _post(self, document: dict[str, Any]) -> None:
        url = self.settings.webhook_url or ""
        body = json.dumps(document).encode()
        for attempt in range(1, self.settings.retries + 2):
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(
                    request, timeout=self.settings.timeout_seconds
                ) as reply:
                    if 200 <= reply.status < 300:
                        return
                    problem = f"HTTP {reply.status}"
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
                if 400 <= exc.code < 500 and exc.code != 429:
                    break  # the receiver refuses this document; sending it again will not help
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                problem = str(getattr(exc, "reason", exc))
            if attempt <= self.settings.retries:
                self._sleep(min(2.0 ** (attempt - 1), 30.0))
        log.warning("webhook delivery of %s failed: %s", document.get("path"), problem)
