"""Redaction before anything leaves the machine (``[privacy] redact = true``).

Before a remote summary call, names, e-mail addresses, phone, card and account numbers and the
other configured entities are found by Presidio (``detect``) and replaced by stable placeholders
(``placeholders``): ``<PERSON_1>`` is the same person over the whole meeting. The model's answer
is restored here, before the grounding check and the report see it.

Speaker names and the roster are PERSONs for sure; ``privacy.deny`` words are always replaced
(as ``<PRIVATE_n>``) and ``privacy.allow`` words never are.

Audio cannot be redacted: a remote transcriber gets it as it is (``remote_audio_notice``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from daemon.privacy.placeholders import Redaction, build_redaction
from daemon.sections_ops import PrivacySettings
from daemon.summarize.text import Utterance

__all__ = ["Redaction", "known_names", "redact_meeting", "remote_audio_notice"]

log = logging.getLogger("daemon.privacy")

# Labels a diarizer gives voices nobody named ("Speaker 2", "S2", "A"): not names to redact.
_ANONYMOUS = re.compile(r"^(?:Speaker \d+|S\d+|[A-Z]|Unknown)$", re.IGNORECASE)


def redact_meeting(
    utterances: Sequence[Utterance], privacy: PrivacySettings, roster: Sequence[str] = ()
) -> Redaction:
    """The meeting with its personal data replaced; the same input gives the same placeholders."""
    from daemon.privacy.detect import detector

    found = detector(privacy.entities, privacy.allow, privacy.deny)
    people = "PERSON" in privacy.entities
    speakers = known_names(u.speaker for u in utterances) if people else []
    names = _with_parts([*speakers, *known_names(roster)]) if people else []
    allowed = set(privacy.allow)
    known = [("PERSON", n) for n in names if n not in allowed]
    speakers = [s for s in speakers if s not in allowed]
    findings = [found.find(u.text, known) for u in utterances]
    redaction = build_redaction(utterances, findings, speakers)
    log.info(
        "redacted %s before the remote call",
        ", ".join(f"{n} {kind}" for kind, n in redaction.counts.items()) or "nothing",
    )
    return redaction


def known_names(labels: Iterable[str | None]) -> list[str]:
    """The labels that are people's names, in order, once each."""
    names = [label.strip() for label in labels if label and label.strip()]
    return list(dict.fromkeys(n for n in names if not _ANONYMOUS.match(n)))


def remote_audio_notice(transcriber: str, base_url: str | None) -> str:
    """The plain sentence to say when redaction is on and audio goes to a remote transcriber."""
    where = base_url or "https://api.openai.com/v1"
    return (
        f"privacy.redact is on, but audio is sent to {where} ({transcriber} transcriber) "
        "unredacted: redaction applies to summaries only"
    )


def _with_parts(names: Sequence[str]) -> list[str]:
    """Full names and their parts ("Tomasz Nowak", "Tomasz", "Nowak"): people say either."""
    out: list[str] = []
    for name in names:
        out.append(name)
        parts = name.split()
        if len(parts) > 1:
            out += [p for p in parts if len(p) > 1 and p[0].isupper()]
    return list(dict.fromkeys(out))
