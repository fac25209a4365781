"""What left the machine for one recording, as its report's front matter states it (issue 11).

``count`` and ``cost_usd`` total the ledger's ``api_calls`` rows of the recording: every attempt,
failed ones included, and the Batch API usage priced when results came in. ``redacted`` is true
only when the summarizer's provenance says its input was redacted (``"redaction": {"enabled":
true}``, at the top of the provenance or among its options) *and* no audio of the recording was
sent for transcription: audio cannot be redacted, so the words left the machine as spoken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from daemon.ledger import ApiCall

AUDIO_ENDPOINTS = frozenset({"audio.transcriptions", "audio.translations"})


@dataclass(frozen=True)
class RemoteUse:
    count: int = 0
    cost_usd: float = 0.0
    redacted: bool = False


def remote_use(calls: Sequence[ApiCall], provenance: Mapping[str, Any] | None) -> RemoteUse:
    audio_sent = any(c.endpoint in AUDIO_ENDPOINTS for c in calls)
    return RemoteUse(
        count=len(calls),
        cost_usd=sum(c.cost_usd for c in calls),
        redacted=redaction_enabled(provenance) and not audio_sent,
    )


def redaction_enabled(provenance: Mapping[str, Any] | None) -> bool:
    """Whether a summarizer's provenance says it redacted the text; absent or odd: no."""
    if not isinstance(provenance, Mapping):
        return False
    for source in (provenance, provenance.get("options")):
        if isinstance(source, Mapping):
            redaction = source.get("redaction")
            if isinstance(redaction, Mapping) and redaction.get("enabled") is True:
                return True
    return False
