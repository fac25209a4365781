"""The broker: its URL with the password put in, and the one Celery configuration both sides use.

The password is never a setting (a config file is meant to be shareable and ``minutes config``
prints it): it is read from the environment variable ``executor.broker_password_env`` or the
first line of ``executor.broker_password_file``, like the OpenAI key, and it is never logged:
``display_url`` is the URL as it may be shown.

Security of the queue itself: anyone who can put a message on it gets a worker to run it, so
only JSON is accepted on either side (a pickled task would be code execution on every worker).
Redis itself should require a password (``requirepass`` or an ACL user) and, off a trusted
network, TLS (``rediss://``); README "Scaling out" says how.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from daemon.errors import ConfigError
from daemon.sections_ops import ExecutorSettings

if TYPE_CHECKING:
    import redis
    from celery import Celery  # type: ignore[import-untyped]

TASK_NAME = "minutes.transcribe_chunk"

# Restoring unacknowledged messages is checked this often by kombu's Redis transport; a chunk of
# a killed worker goes back on the queue at most this long after its visibility timeout.
_RESTORE_CHECK_S = 10.0


def broker_url(settings: ExecutorSettings) -> str:
    """The broker URL with the password from the environment or the password file."""
    if not settings.broker_url:
        raise ConfigError(
            "executor.name = 'celery' needs executor.broker_url (redis://host:6379/0)",
            key="executor.broker_url",
        )
    password = broker_password(settings)
    if password is None:
        return settings.broker_url
    parts = urlsplit(settings.broker_url)
    user = quote(parts.username or "", safe="")
    host = parts.hostname or "localhost"
    netloc = f"{user}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def broker_password(settings: ExecutorSettings) -> str | None:
    if settings.broker_password_env:
        value = os.environ.get(settings.broker_password_env, "").strip()
        if value:
            return value
    if settings.broker_password_file:
        path = Path(settings.broker_password_file).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").split()
        except OSError as exc:
            raise ConfigError(
                f"cannot read executor.broker_password_file {path}: {exc.strerror}",
                key="executor.broker_password_file",
            ) from exc
        if not lines:
            raise ConfigError(
                f"executor.broker_password_file {path} is empty",
                key="executor.broker_password_file",
            )
        return lines[0]
    if settings.broker_password_env:
        raise ConfigError(
            f"executor.broker_password_env names ${settings.broker_password_env}, which is not set",
            key="executor.broker_password_env",
        )
    return None


def display_url(settings: ExecutorSettings) -> str:
    """The URL as it may appear in logs and errors: never with a password."""
    return settings.broker_url or "(no broker_url)"


def message_lifetime(settings: ExecutorSettings) -> float:
    """How long a chunk task (and its audio) may live in the broker, and its result after it.

    Long enough for a full recording's chunks to wait behind one another on one worker and for
    one redelivery; after it a worker drops the task unread and the daemon sends it again.
    """
    return settings.task_timeout * (settings.max_in_flight + 2)


def celery_config(settings: ExecutorSettings) -> dict[str, Any]:
    """The Celery settings both the daemon and the workers run with."""
    url = broker_url(settings)
    return {
        "broker_url": url,
        # Results travel through our own keys (``tasks.py``): Celery's result backend would log
        # the return value, which is a transcript.
        "result_backend": None,
        "task_ignore_result": True,
        # JSON only, on both sides: a pickled message is refused before it is deserialised.
        "accept_content": ["json"],
        "task_serializer": "json",
        "result_serializer": "json",
        "result_accept_content": ["json"],
        # A task is acknowledged when it is done, not when it is received: a worker killed
        # mid-chunk leaves it unacknowledged, and it is delivered to another worker.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": settings.task_timeout,
        "task_default_queue": settings.queue,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5.0,
        "broker_transport_options": {
            # Longer than a task may run, or a slow chunk would be delivered twice.
            "visibility_timeout": settings.task_timeout + _RESTORE_CHECK_S,
            "socket_connect_timeout": 5.0,
        },
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "worker_send_task_events": False,
        "task_send_sent_event": False,
    }


def create_app(settings: ExecutorSettings) -> Celery:
    from celery import Celery

    app = Celery("minutes", set_as_current=False)
    app.conf.update(celery_config(settings))
    return app


def redis_client(settings: ExecutorSettings) -> redis.Redis:
    """A client on the broker's Redis, for results, heartbeats and in-flight markers."""
    import redis

    return redis.Redis.from_url(
        broker_url(settings),
        socket_connect_timeout=5.0,
        socket_timeout=30.0,
        health_check_interval=30,
    )
