"""The errors a user can see. The CLI turns each into one line and its ``exit_code``."""

from __future__ import annotations

from pathlib import Path


class MinutesError(Exception):
    """Base of every error Minutes reports to a person."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(MinutesError):
    """The settings are invalid; ``key`` names the offending setting when one is to blame."""

    exit_code = 2

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InputError(MinutesError):
    """A recording cannot be used: unreadable, empty, no audio, too large, truncated."""

    exit_code = 3

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(MinutesError):
    """A transcription model could not be found, assembled or loaded."""

    exit_code = 4

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"model {model!r}: {reason}")
        self.model = model
        self.reason = reason


class TranscriptionError(MinutesError):
    """A backend failed while transcribing a chunk."""

    exit_code = 5

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend} transcription failed: {reason}")
        self.backend = backend
        self.reason = reason


class LedgerError(MinutesError):
    """The state database is unusable (locked for too long, corrupt, from a newer version)."""

    exit_code = 6


class Interrupted(MinutesError):
    """A stop was requested; work so far is checkpointed and resumes on the next start."""

    exit_code = 130
