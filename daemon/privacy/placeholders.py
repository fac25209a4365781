"""Stable placeholders for what was found, and the way back.

One meeting has one map: ``<PERSON_1>`` is the same person in every line, every map-reduce window
and every Batch request, because the map is built once from the whole transcript before it is
cut into windows. It is built deterministically from the transcript and the settings, so a
Batch answer collected after a restart is restored by building it again: the map is never
stored, sent or logged.

A person's variants share a placeholder when that is unambiguous: "Tomasz" is "Tomasz Nowak"
when no other known full name has a "Tomasz" in it. A placeholder is restored to the speaker's
own label when the person spoke (so owners and attendees read as the speakers do), else to
the form said most often. Evidence quotes are restored from the very line they were copied
from, so a quote reads exactly as it was said and the grounding check finds it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from daemon.privacy.detect import Finding
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance

__all__ = ["Mention", "RedactedLine", "Redaction", "build_redaction"]

PERSON = "PERSON"
_BRACKETED = re.compile(r"<\s*([A-Z][A-Z_]*?_\d+)\s*>")
_BARE = re.compile(r"\b([A-Z][A-Z_]*?_\d+)\b")


@dataclass(frozen=True)
class Mention:
    """One value found in one line: ``entity`` said as ``surface``."""

    entity: str
    surface: str


@dataclass(frozen=True)
class Replaced:
    """``original[orig_start:orig_end]`` became ``text[start:end]`` (a placeholder)."""

    start: int
    end: int
    orig_start: int
    orig_end: int


@dataclass(frozen=True)
class RedactedLine:
    original: str
    text: str
    replaced: tuple[Replaced, ...]

    def original_of(self, start: int, end: int) -> str:
        """The original words behind ``text[start:end]``; a cut placeholder counts whole."""
        return self.original[self._original(start, False) : self._original(end, True)]

    def _original(self, position: int, is_end: bool) -> int:
        grown = 0  # how much longer the text is than the original before ``position``
        for r in self.replaced:
            if position <= r.start:
                break
            if position < r.end:
                return r.orig_end if is_end else r.orig_start
            grown = r.end - r.orig_end
        return position - grown


@dataclass(frozen=True)
class Redaction:
    """A meeting with its personal data replaced, and how to put it back."""

    utterances: tuple[Utterance, ...]
    lines: tuple[RedactedLine, ...]
    real: Mapping[str, str]  # placeholder -> what it stands for; stays on this machine
    counts: Mapping[str, int]  # entity type -> distinct values replaced

    def restore(self, summary: Summary) -> Summary:
        """``summary`` with every placeholder in every text field put back."""
        data = summary.model_dump()
        for item in [*data["action_items"], *data["decisions"]]:
            evidence = item["evidence"]
            evidence["quote"] = self.restore_quote(evidence["quote"])
        return Summary.model_validate(self._restore_any(data))

    def restore_text(self, text: str) -> str:
        text = _BRACKETED.sub(lambda m: self.real.get(f"<{m.group(1)}>", m.group()), text)
        return _BARE.sub(lambda m: self.real.get(f"<{m.group(1)}>", m.group()), text)

    def restore_quote(self, quote: str) -> str:
        """A quote from the line it was copied from; else placeholder by placeholder."""
        if "<" not in quote:
            return quote
        needle = quote.strip()
        for line in self.lines:
            at = line.text.find(needle)
            if at < 0:
                at = line.text.lower().find(needle.lower())
            if at >= 0:
                return line.original_of(at, at + len(needle))
        return self.restore_text(quote)

    def _restore_any(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.restore_text(value)
        if isinstance(value, dict):
            return {k: self._restore_any(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._restore_any(v) for v in value]
        return value


def build_redaction(
    utterances: Sequence[Utterance],
    findings: Sequence[Sequence[Finding]],
    speakers: Sequence[str],
) -> Redaction:
    """Replace ``findings`` (one list per utterance) and speaker names by placeholders."""
    mentions: list[Mention] = []
    for utterance, found in zip(utterances, findings, strict=True):
        if utterance.speaker is not None and utterance.speaker in speakers:
            mentions.append(Mention(PERSON, utterance.speaker))
        mentions += [Mention(f.entity, utterance.text[f.start : f.end]) for f in found]
    keys = _keys(mentions, speakers)
    numbers: dict[str, int] = {}
    placeholder_of: dict[tuple[str, str], str] = {}
    for mention in mentions:
        key = keys[mention]
        if key not in placeholder_of:
            numbers[mention.entity] = numbers.get(mention.entity, 0) + 1
            placeholder_of[key] = f"<{mention.entity}_{numbers[mention.entity]}>"
    real = _real_names(mentions, keys, placeholder_of, speakers)
    redacted: list[Utterance] = []
    lines: list[RedactedLine] = []
    for utterance, found in zip(utterances, findings, strict=True):
        line = _redact_line(utterance.text, found, lambda m: placeholder_of[keys[m]])
        speaker = utterance.speaker
        if speaker in speakers:
            speaker = placeholder_of[keys[Mention(PERSON, speaker or "")]]
        # Segment marks point into the text; placeholders move them, so they are dropped
        # (the redacted text is only sent, never timed).
        redacted.append(replace(utterance, speaker=speaker, text=line.text, marks=()))
        lines.append(line)
    return Redaction(tuple(redacted), tuple(lines), real, dict(sorted(numbers.items())))


def _redact_line(text: str, found: Sequence[Finding], name: Any) -> RedactedLine:
    pieces: list[str] = []
    replaced: list[Replaced] = []
    cursor = 0
    length = 0
    for f in sorted(found, key=lambda f: f.start):
        before = text[cursor : f.start]
        pieces.append(before)
        length += len(before)
        placeholder = str(name(Mention(f.entity, text[f.start : f.end])))
        replaced.append(Replaced(length, length + len(placeholder), f.start, f.end))
        pieces.append(placeholder)
        length += len(placeholder)
        cursor = f.end
    pieces.append(text[cursor:])
    return RedactedLine(text, "".join(pieces), tuple(replaced))


def _keys(mentions: Sequence[Mention], speakers: Sequence[str]) -> dict[Mention, tuple[str, str]]:
    """Which mentions are the same value: one key per value (people joined by their names)."""
    people = [m.surface for m in mentions if m.entity == PERSON]
    full = {_tokens(p) for p in people if len(_tokens(p)) > 1}
    keys: dict[Mention, tuple[str, str]] = {}
    for mention in mentions:
        if mention.entity != PERSON:
            keys[mention] = (mention.entity, _normalised(mention.surface))
            continue
        tokens = _tokens(mention.surface)
        if len(tokens) == 1:
            holders = [f for f in full if tokens[0] in f]
            if len(holders) == 1:
                tokens = holders[0]
        keys[mention] = (PERSON, " ".join(tokens))
    return keys


def _real_names(
    mentions: Sequence[Mention],
    keys: Mapping[Mention, tuple[str, str]],
    placeholder_of: Mapping[tuple[str, str], str],
    speakers: Sequence[str],
) -> dict[str, str]:
    said = Counter(mentions)
    real: dict[str, str] = {}
    for key, placeholder in placeholder_of.items():
        forms = [m for m in said if keys[m] == key]
        spoke = [m.surface for m in forms if m.entity == PERSON and m.surface in speakers]
        best = max(forms, key=lambda m: said[m])  # first of the most said, on a tie
        real[placeholder] = spoke[0] if spoke else best.surface
    return real


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.removesuffix("'s").casefold() for t in name.split())


def _normalised(value: str) -> str:
    return re.sub(r"\W", "", value.casefold())
