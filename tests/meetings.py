"""Small helpers to put summarized meetings in a real ledger without audio."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from daemon import actions
from daemon.ledger import Ledger
from daemon.models import Paragraph, Provenance, Report, Segment, Transcript
from daemon.search import index_recording
from daemon.summarize import summarize
from daemon.summarize.extractive import ExtractiveSummarizer
from daemon.summarize.text import from_text


def add_meeting(
    ledger: Ledger, outbox: Path, name: str, script: str, day: date, written: datetime | None = None
) -> int:
    """A recording with transcript, summary, action items and report, as the pipeline leaves it."""
    utterances, _ = from_text(script)
    timed = [u.__class__(u.index, u.speaker, u.text, float(u.index * 5)) for u in utterances]
    row = ledger.add_recording(sha256=name.ljust(64, "0"), path=outbox / name, size=1, mtime_ns=1)
    ledger.update(row.id, recorded_at=datetime.combine(day, datetime.min.time()), meeting_date=day)
    segments = tuple(
        Segment(u.start or 0.0, (u.start or 0.0) + 4, u.text, speaker=u.speaker) for u in timed
    )
    transcript = Transcript(
        segments, (Paragraph(0.0, 1.0, segments),), "en", 60.0, Provenance("test", "script")
    )
    ledger.save_transcript(row.id, transcript)
    summary = summarize(ExtractiveSummarizer(), timed, day)
    ledger.save_summary(row.id, "extractive", day, summary)
    actions.record(ledger, row.id, day, summary, timed)
    index_recording(ledger, row.id, transcript, summary)
    report = outbox / f"{day.isoformat()}_{name}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(f"# {name}\n")
    ledger.save_report(row.id, Report(report, ()), 1.0)
    if written is not None:
        with ledger.transaction() as db:
            db.execute(
                "UPDATE reports SET created_at = ? WHERE recording_id = ?",
                (written.astimezone().isoformat(timespec="milliseconds"), row.id),
            )
    ledger.set_state(row.id, "done")
    return row.id
