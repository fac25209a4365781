"""Render a recording's report (Markdown, from a Jinja template) and its sidecars.

The sidecars are .srt, .vtt and .json, and .rttm when diarization found speakers; subtitles.py
writes the timed ones.

Templates run in Jinja's sandbox, because a user template folder can override ours. Every value a
template prints is Markdown-escaped unless a filter marked it safe, so words that came from speech
("click [here](http://x)", "<script>") stay words and never become links, images or HTML.

Control characters from outside (a file name's ESC sequences, a model's stray C1 bytes) are
removed from every value a report or subtitle prints, front matter included: they have no place in
a document, a terminal would act on them when someone `cat`s it, and YAML refuses most of them
(issue 8). The .json keeps every string exactly as it was, escaped the JSON way.

With diarization (issue 9) every output says who spoke: each transcript paragraph starts with its
speaker's name, the header lists the speakers with their share of the speaking time, and the
Attendees line lists the named speakers rather than what a summarizer took for names ("Better",
"Bye"). Speaker names come from speech, so they are escaped like any other word.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from daemon import __version__
from daemon.api.usage import RemoteUse, remote_use
from daemon.files import atomic_write_text
from daemon.ledger import ApiCall
from daemon.merge import paragraphs
from daemon.models import Paragraph, Recording, Report, Speaker, Transcript
from daemon.subtitles import one_line, to_rttm, to_srt, to_vtt, without_controls
from daemon.summarize.schema import Evidence, Summary
from daemon.terminal import CONTROL

REPORT_TEMPLATE = "report.md.j2"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&$])")
_FRONT_MATTER_SHA = re.compile(r"^sha256: \"([0-9a-f]{64})\"$", re.MULTILINE)


class MarkdownSafe(str):
    """Text already fit to appear in Markdown as it is."""


def escape_markdown(value: object) -> MarkdownSafe:
    if isinstance(value, MarkdownSafe):
        return value
    # No newlines either: speech cannot start a heading or a list.
    text = one_line(str(value))
    return MarkdownSafe(_MD_SPECIAL.sub(r"\\\1", text))


def _finalize(value: object) -> object:
    if value is None or isinstance(value, MarkdownSafe):
        return value if value is not None else ""
    if isinstance(value, (int, float)):
        return value
    return escape_markdown(value)


def hms(seconds: float) -> MarkdownSafe:
    total = int(seconds)
    return MarkdownSafe(f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}")


def cite(evidence: Evidence) -> MarkdownSafe:
    """The quote an item rests on, linked to its place in the transcript when it has a time."""
    quote = escape_markdown(_shorten(evidence.quote, 90))
    speaker = f"{escape_markdown(evidence.speaker)}: " if evidence.speaker else ""
    if evidence.start is None:
        return MarkdownSafe(f"{speaker}“{quote}”")
    return MarkdownSafe(f"[{hms(evidence.start)}](#t{int(evidence.start)}) {speaker}“{quote}”")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def yaml_scalar(value: object) -> MarkdownSafe:
    # A JSON string is a valid YAML scalar, quotes and escapes included; YAML, unlike JSON,
    # refuses raw C1 characters and DEL, which without_controls has removed.
    return MarkdownSafe(json.dumps(without_controls(str(value)), ensure_ascii=False))


def default_template_dir() -> Path:
    packaged = Path(str(resources.files("daemon") / "templates"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def make_environment(user_templates: Path | None) -> SandboxedEnvironment:
    folders = [str(user_templates)] if user_templates else []
    folders.append(str(default_template_dir()))
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(f) for f in folders]),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["md"] = escape_markdown
    env.filters["hms"] = hms
    env.filters["yaml"] = yaml_scalar
    env.filters["cite"] = cite
    return env


@dataclass(frozen=True)
class ReportInput:
    recording: Recording
    source_name: str
    transcript: Transcript
    processing_s: float
    summarizer: str = "none"
    summary: Summary | None = None
    cost_usd: float | None = None  # what remote API calls cost; None when none were made
    api_calls: tuple[ApiCall, ...] = ()  # the ledger's remote calls for this recording
    summary_provenance: Mapping[str, Any] | None = None  # as the ledger keeps it
    roster: tuple[str, ...] = ()  # the expected attendees, who are attendees though silent

    @property
    def remote(self) -> RemoteUse:
        """How many remote calls touched the recording, their cost, whether text was redacted."""
        return remote_use(self.api_calls, self.summary_provenance)

    @property
    def title(self) -> str:
        """The file's own name; the summary's title if a recorder made the name up."""
        named = title_from_name(self.source_name)
        if self.summary is not None and is_generic_name(named) and self.summary.title != "Meeting":
            return one_line(self.summary.title)
        return named


_DATE_IN_NAME = re.compile(
    r"(?<!\d)20\d\d[-_.]?(?:0[1-9]|1[0-2])[-_.]?(?:0[1-9]|[12]\d|3[01])(?:[-_. T]?\d{4,6})?(?!\d)"
)
_GENERIC_WORDS = frozenset(
    """
        recording audio voice memo meeting new call zoom teams track rec untitled file clip
        sound note notes record video mic capture am pm
    """.split()
)


def is_generic_name(title: str) -> bool:
    return all(w.lower() in _GENERIC_WORDS or not w.isalpha() for w in title.split())


def title_from_name(name: str) -> str:
    """ "2026-03-11 team_sync.m4a" -> "team sync": the date is the report's date, not its title."""
    # A control character separates words, as it did before it was kept out of titles: a
    # report's slug, and so its file name, stays what it was.
    stem = _DATE_IN_NAME.sub(" ", CONTROL.sub(" ", Path(name).stem))
    words = re.sub(r"[_\-.]+", " ", stem).split()
    return " ".join(words) or "Recording"


def slug(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-") or "recording"


def base_name(data: ReportInput) -> str:
    """Date, time and slug of the file's name: stable whatever a summarizer calls the meeting."""
    return f"{data.recording.recorded_at:%Y-%m-%d_%H%M}_{slug(title_from_name(data.source_name))}"


class Renderer:
    def __init__(self, user_templates: Path | None = None) -> None:
        self.env = make_environment(user_templates)

    def report_markdown(self, data: ReportInput) -> str:
        transcript = by_speaker(data.transcript)
        context: dict[str, Any] = {
            "title": data.title,
            "recorded_at": data.recording.recorded_at,
            "duration": data.recording.duration,
            "source_name": data.source_name,
            "sha256": data.recording.sha256,
            "transcript": transcript,
            "transcriber": describe_provenance(transcript),
            "summarizer": data.summarizer,
            "summary": data.summary,
            "speakers": speaker_shares(transcript.speakers),
            "attendees": attendees(transcript, data.summary, data.roster),
            "processing_seconds": data.processing_s,
            "cost_usd": data.cost_usd,
            "remote": data.remote,
            "generator": f"minutes {__version__}",
        }
        return self.env.get_template(REPORT_TEMPLATE).render(context)

    def write(self, outbox: Path, data: ReportInput) -> Report:
        """Write the report and its sidecars atomically; the same recording keeps its name."""
        segments = data.transcript.segments
        markdown_path = report_path(outbox, base_name(data), data.recording.sha256)
        with_speakers = bool(data.transcript.speakers)
        sidecars = sidecar_paths(markdown_path, with_speakers)
        atomic_write_text(markdown_path.with_suffix(".srt"), to_srt(segments))
        atomic_write_text(markdown_path.with_suffix(".vtt"), to_vtt(segments))
        atomic_write_text(markdown_path.with_suffix(".json"), to_json(data))
        rttm = markdown_path.with_suffix(".rttm")
        if with_speakers:
            atomic_write_text(rttm, to_rttm(segments, file_id=markdown_path.stem))
        else:
            # The name is this recording's (report_path): an .rttm left by an earlier render
            # with diarization on would contradict the report now written.
            rttm.unlink(missing_ok=True)
        # The Markdown goes last: its presence means the whole set is on disk.
        atomic_write_text(markdown_path, self.report_markdown(data))
        return Report(markdown=markdown_path, sidecars=sidecars)


def sidecar_paths(markdown: Path, with_speakers: bool) -> tuple[Path, ...]:
    """The sidecars written next to ``markdown``; the .rttm only when the transcript has speakers.

    The render stage's resume calls it too, so both agree on the set without reading the disk.
    """
    suffixes = (".srt", ".vtt", ".json", ".rttm") if with_speakers else (".srt", ".vtt", ".json")
    return tuple(markdown.with_suffix(suffix) for suffix in suffixes)


def by_speaker(transcript: Transcript) -> Transcript:
    """``transcript`` with paragraphs of one speaker each, so that each starts with its own name.

    Paragraphs grouped before the speakers were known (merge runs before diarization) hold the
    segments as they were, unsplit and unlabelled; they are grouped again from the transcript's
    segments, which diarization split at every change of speaker.
    """
    grouped = [s for p in transcript.paragraphs for s in p.segments]
    if grouped == list(transcript.segments) and all(
        len({s.speaker for s in p.segments}) <= 1 for p in transcript.paragraphs
    ):
        return transcript
    return replace(transcript, paragraphs=paragraphs(transcript.segments))


def paragraph_speaker(paragraph: Paragraph) -> str | None:
    return paragraph.segments[0].speaker if paragraph.segments else None


@dataclass(frozen=True)
class SpeakerShare:
    """A speaker as the report's header shows them: name and rounded share of speaking time."""

    name: str
    percent: int | None  # None when no speaking time was measured at all
    speaker: Speaker


def speaker_shares(speakers: Sequence[Speaker]) -> list[SpeakerShare]:
    """The speakers, who spoke most first (ties in order of first speech)."""
    total = sum(max(s.seconds, 0.0) for s in speakers)
    ranked = sorted(speakers, key=lambda s: -s.seconds)
    return [
        SpeakerShare(s.display, round(100 * max(s.seconds, 0.0) / total) if total else None, s)
        for s in ranked
    ]


def attendees(
    transcript: Transcript, summary: Summary | None, roster: tuple[str, ...] = ()
) -> list[str]:
    """Who attended, as the report lists them.

    With diarization they are the people who spoke: the named speakers, and a summary's attendee
    only when it is one of their names or on the roster (someone expected who only listened).
    Without it, the summary's list as it stands; a summarizer that lacks speakers takes
    capitalised words for people ("Better", "Bye").
    """
    listed = list(summary.attendees) if summary else []
    if not transcript.speakers:
        return listed
    names = [s.name for s in transcript.speakers if s.name]
    known = {n.casefold() for n in [*names, *roster]}
    result: list[str] = []
    for name in [*names, *(a for a in listed if a.casefold() in known)]:
        if name.casefold() not in {r.casefold() for r in result}:
            result.append(name)
    return result


def report_path(outbox: Path, base: str, sha256: str) -> Path:
    """``outbox/base.md`` unless another recording's report holds that name."""
    number = 1
    while True:
        candidate = outbox / (f"{base}.md" if number == 1 else f"{base}-{number}.md")
        if not candidate.exists() or _report_sha(candidate) == sha256:
            return candidate
        number += 1


def _report_sha(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    match = _FRONT_MATTER_SHA.search(head)
    return match.group(1) if match else None


def describe_provenance(transcript: Transcript) -> str:
    p = transcript.provenance
    options = ", ".join(
        f"{k} {v}" for k, v in p.options.items() if k in ("compute_type", "device", "beam_size")
    )
    return f"{p.backend} {p.model} ({options})" if options else f"{p.backend} {p.model}"


def to_json(data: ReportInput) -> str:
    transcript = data.transcript
    document = {
        "generator": f"minutes {__version__}",
        "recording": {
            "id": data.recording.id,
            "source_name": data.source_name,
            "sha256": data.recording.sha256,
            "recorded_at": data.recording.recorded_at.isoformat(),
            "duration": round(data.recording.duration, 3),
            "processing_seconds": round(data.processing_s, 3),
            "cost_usd": round(data.cost_usd, 6) if data.cost_usd is not None else None,
            "redacted": data.remote.redacted,
            "remote_calls": {
                "count": data.remote.count,
                "cost_usd": round(data.remote.cost_usd, 6),
            },
        },
        "transcript": {
            "language": transcript.language,
            "provenance": {
                "backend": transcript.provenance.backend,
                "model": transcript.provenance.model,
                "options": transcript.provenance.options,
            },
            "paragraphs": [
                {
                    "start": round(p.start, 3),
                    "end": round(p.end, 3),
                    "speaker": paragraph_speaker(p),
                    "text": p.text,
                }
                for p in by_speaker(transcript).paragraphs
            ],
        },
        "speakers": [s.to_dict() for s in transcript.speakers],
        "segments": [s.to_dict() for s in transcript.segments],
        "summary": data.summary.model_dump(mode="json") if data.summary else None,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
