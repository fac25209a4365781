"""The diarize stage: who said each word, and the names of the people who spoke.

Between transcription and summarizing. Its input is the transcript (with word times) and the
voice embeddings the transcribe stage checkpointed with each chunk; its checkpoint is the
transcript saved again with a speaker on every segment and the recording's speakers, under a key
of everything that decides them (the transcription plan, the clustering, the count hints, the
roster, the names the user gave, whether voice profiles are used). A restart with the same key
resumes; a rename changes the key, so only this stage and the ones after it run again.

Steps: cluster the recording's embeddings into turns; give each word the speaker of its turn
and split segments where the speaker changes (``assign.py``); number the voices in order of
first speech (S1, S2, ...); recognise known voices (profiles, when on); name the rest from the
conversation and the roster (``naming.py``); learn the voices of people named with confidence.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import numpy.typing as npt

from daemon.config import Settings
from daemon.diarize import ChunkEmbeddings, Diarizer, SpeakerHints, SpeakerTurn
from daemon.diarize.assign import Word as TimedWord
from daemon.diarize.assign import WordSegment, assign_speakers
from daemon.diarize.linking import backend_labelled, link_chunk_labels
from daemon.diarize.naming import SpeakerName, Turn, name_speakers
from daemon.diarize.roster import roster_for
from daemon.errors import MinutesError
from daemon.ledger import Ledger
from daemon.merge import paragraphs
from daemon.models import Segment, Speaker, Transcript, Word
from daemon.stages import Job

log = logging.getLogger("daemon.diarize.stage")

# A voice is remembered only when its name is this sure (or the user gave it), and from enough
# speech for the mean embedding to be stable.
_LEARN_CONFIDENCE = 0.8
_LEARN_MIN_SECONDS = 5.0


@dataclass(frozen=True)
class Voices:
    """The recording's speakers in order of first speech, with their mean embeddings."""

    labels: tuple[str, ...]
    seconds: dict[str, float]
    centroids: dict[str, npt.NDArray[np.float32]]


class DiarizeStage:
    name = "diarize"

    def __init__(
        self, settings: Settings, ledger: Ledger, diarizer: Diarizer, plan_key: str
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.diarizer = diarizer
        self.plan_key = plan_key

    def applies(self, job: Job) -> bool:
        return self.diarizer.name != "none"

    def resume(self, job: Job) -> Job | None:
        if self.ledger.recordings.diarize_key(job.id) != self.key(job):
            return None
        transcript = self.ledger.transcript(job.id)
        return None if transcript is None else replace(job, transcript=transcript)

    def run(self, job: Job) -> Job:
        transcript = job.need_transcript()
        chunks = self.ledger.chunks(job.id, self.plan_key)
        embeddings = [
            ChunkEmbeddings.from_bytes(chunks[i].embeddings)
            for i in sorted(chunks)
            if chunks[i].embeddings
        ]
        if backend_labelled(transcript):
            # The backend separated speakers per chunk; voices only link them across chunks.
            linked = link_chunk_labels(transcript.segments, list(chunks.values()))
            labelled, order = _renumbered(list(zip(transcript.segments, linked, strict=True)))
        else:
            turns = self.diarizer.cluster(embeddings, self._hints())
            labelled, order = _assign(transcript.segments, turns)
        voices = _voices(labelled, order, embeddings)
        fixed: dict[str, str] = self._known_voices(voices) | self.ledger.speakers.names(job.id)
        names = name_speakers(
            _turns(labelled),
            roster=roster_for(self.settings.diarizer, job.row.path),
            fixed=fixed,
            min_confidence=self.settings.diarizer.min_name_confidence,
        )
        user = self.ledger.speakers.names(job.id)
        speakers = tuple(_speaker(label, voices, names, fixed, user) for label in order)
        result = _labelled_transcript(transcript, labelled, speakers)
        self._learn(voices, speakers)
        log.info(
            "recording #%d: %d speakers, %d named",
            job.id,
            len(speakers),
            sum(1 for s in speakers if s.name),
        )
        self.ledger.save_transcript(job.id, result, self.key(job))
        return replace(job, transcript=result)

    def rename(self, job: Job, wanted: str, name: str) -> Job:
        """The user's correction: speaker ``wanted`` of this recording is ``name``.

        Kept in the ledger, so a later run of this stage keeps it too; with voice profiles on,
        the voice is learned under that name at once.
        """
        transcript = job.need_transcript()
        label = find_label(transcript, wanted)
        if label is None:
            known = ", ".join(f"{s.label} ({s.display})" for s in transcript.speakers) or "none"
            raise MinutesError(f"recording #{job.id} has no speaker {wanted!r}; it has {known}")
        name = " ".join(name.split())
        if not name:
            raise MinutesError("a speaker's name cannot be empty")
        self.ledger.speakers.set_name(job.id, label, name)
        renamed = relabel(transcript, label, name)
        if self.settings.diarizer.voice_profiles:
            chunks = self.ledger.chunks(job.id, self.plan_key)
            embeddings = [
                ChunkEmbeddings.from_bytes(c.embeddings) for c in chunks.values() if c.embeddings
            ]
            labelled = [(s, _label_of(s, renamed)) for s in renamed.segments]
            centroid = centroids(labelled, embeddings).get(label)
            seconds = next(s.seconds for s in renamed.speakers if s.label == label)
            if centroid is not None:
                self.ledger.speakers.learn(name, centroid, seconds, "user")
        job = replace(job, transcript=renamed)
        self.ledger.save_transcript(job.id, renamed, self.key(job))
        return job

    def key(self, job: Job) -> str:
        s = self.settings.diarizer
        key = {
            "plan": self.plan_key,
            "diarizer": self.diarizer.identity(),
            "hints": asdict(self._hints()),
            "roster": roster_for(s, job.row.path),
            "user_names": self.ledger.speakers.names(job.id),
            "profiles": s.voice_profiles,
            "min_confidence": s.min_name_confidence,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    def _hints(self) -> SpeakerHints:
        s = self.settings.diarizer
        return SpeakerHints(s.num_speakers, s.min_speakers, s.max_speakers)

    def _known_voices(self, voices: Voices) -> dict[str, str]:
        """Labels whose voice matches a profile, best match first, one profile per label."""
        if not self.settings.diarizer.voice_profiles:
            return {}
        profiles = self.ledger.speakers.profiles()
        pairs = sorted(
            (
                (float(voices.centroids[label] @ p.vector), label, p.name)
                for label in voices.labels
                if label in voices.centroids
                for p in profiles
            ),
            reverse=True,
        )
        known: dict[str, str] = {}
        for similarity, label, name in pairs:
            if similarity < self.settings.diarizer.profile_threshold:
                break
            if label not in known and name not in known.values():
                known[label] = name
        return known

    def _learn(self, voices: Voices, speakers: Sequence[Speaker]) -> None:
        if not self.settings.diarizer.voice_profiles:
            return
        for speaker in speakers:
            sure = speaker.source == "user" or speaker.confidence >= _LEARN_CONFIDENCE
            centroid = voices.centroids.get(speaker.label)
            enough = speaker.seconds >= _LEARN_MIN_SECONDS or speaker.source == "user"
            if speaker.name and sure and enough and centroid is not None:
                self.ledger.speakers.learn(speaker.name, centroid, speaker.seconds, speaker.source)


def _assign(
    segments: Sequence[Segment], turns: Sequence[SpeakerTurn]
) -> tuple[list[tuple[Segment, str | None]], tuple[str, ...]]:
    """Segments split at speaker changes with their labels renumbered by first speech."""
    pieces = assign_speakers([_word_segment(s) for s in segments], turns)
    out: list[tuple[Segment, str | None]] = []
    for piece in pieces:
        base = segments[piece.source]
        words = tuple(Word(w.start, w.end, w.word, p) for w, p in _probabilities(piece.words, base))
        segment = Segment(
            start=piece.start,
            end=piece.end,
            text=piece.text if base.words else base.text,
            confidence=base.confidence,
            no_speech_prob=base.no_speech_prob,
            words=words if base.words else (),
        )
        out.append((segment, piece.speaker))
    return _renumbered(out)


def _renumbered(
    labelled: Sequence[tuple[Segment, str | None]],
) -> tuple[list[tuple[Segment, str | None]], tuple[str, ...]]:
    """Labels S1, S2, ... in order of first speech; segments lose any backend label."""
    renumber: dict[str, str] = {}
    for _, label in labelled:
        if label is not None and label not in renumber:
            renumber[label] = f"S{len(renumber) + 1}"
    out = [
        (replace(segment, speaker=None), renumber[label] if label is not None else None)
        for segment, label in labelled
    ]
    return out, tuple(renumber.values())


def _word_segment(segment: Segment) -> WordSegment:
    # A backend without word times (the gpt-4o models) gives the whole segment to one speaker.
    words = segment.words or (Word(segment.start, segment.end, " " + segment.text),)
    return WordSegment(
        segment.start, segment.end, tuple(TimedWord(w.start, w.end, w.text) for w in words)
    )


def _probabilities(words: Sequence[TimedWord], segment: Segment) -> list[tuple[TimedWord, float]]:
    known = {(w.start, w.end): w.probability for w in segment.words}
    return [(w, known.get((w.start, w.end), 1.0)) for w in words]


def _voices(
    labelled: Sequence[tuple[Segment, str | None]],
    order: tuple[str, ...],
    embeddings: Sequence[ChunkEmbeddings],
) -> Voices:
    seconds = dict.fromkeys(order, 0.0)
    for segment, label in labelled:
        if label is not None:
            seconds[label] += segment.end - segment.start
    return Voices(order, seconds, centroids(labelled, embeddings))


def centroids(
    labelled: Sequence[tuple[Segment, str | None]], embeddings: Sequence[ChunkEmbeddings]
) -> dict[str, npt.NDArray[np.float32]]:
    """Each voice's mean embedding: the windows whose centre lies in one of its segments."""
    spans = sorted((s.start, s.end, label) for s, label in labelled if label is not None)
    starts = np.array([span[0] for span in spans])
    sums: dict[str, npt.NDArray[np.float32]] = {}
    for chunk in embeddings:
        centres = (chunk.starts + chunk.ends) / 2
        for centre, vector in zip(centres, chunk.vectors.reshape(-1, 192), strict=True):
            k = int(np.searchsorted(starts, centre, side="right")) - 1
            if k >= 0 and centre <= spans[k][1]:
                label = spans[k][2]
                sums[label] = sums.get(label, np.zeros(192, dtype=np.float32)) + vector
    return {
        label: (v / float(np.linalg.norm(v))).astype(np.float32)
        for label, v in sums.items()
        if float(np.linalg.norm(v)) > 0
    }


def _turns(labelled: Sequence[tuple[Segment, str | None]]) -> list[Turn]:
    turns: list[Turn] = []
    for segment, label in labelled:
        if label is None or not segment.text:
            continue
        if turns and turns[-1].label == label:
            last = turns[-1]
            turns[-1] = Turn(label, f"{last.text} {segment.text}", last.start, segment.end)
        else:
            turns.append(Turn(label, segment.text, segment.start, segment.end))
    return turns


def _speaker(
    label: str,
    voices: Voices,
    names: Mapping[str, SpeakerName],
    fixed: Mapping[str, str],
    user: Mapping[str, str],
) -> Speaker:
    found = names.get(label)
    if label in user:
        return Speaker(label, user[label], voices.seconds[label], 1.0, "user")
    if label in fixed:
        return Speaker(label, fixed[label], voices.seconds[label], 1.0, "profile")
    if found is None or found.name is None:
        return Speaker(label, None, voices.seconds[label])
    return Speaker(label, found.name, voices.seconds[label], found.confidence, found.source)


def _labelled_transcript(
    transcript: Transcript,
    labelled: Sequence[tuple[Segment, str | None]],
    speakers: tuple[Speaker, ...],
) -> Transcript:
    display = {s.label: s.display for s in speakers}
    segments = [
        replace(segment, speaker=display.get(label) if label else None)
        for segment, label in labelled
    ]
    return replace(
        transcript,
        segments=tuple(segments),
        paragraphs=paragraphs(segments),
        speakers=speakers,
    )


def relabel(transcript: Transcript, label: str, name: str) -> Transcript:
    """The transcript with speaker ``label`` called ``name`` (the user's correction)."""
    speakers = tuple(
        replace(s, name=name, confidence=1.0, source="user") if s.label == label else s
        for s in transcript.speakers
    )
    before = {s.label: s.display for s in transcript.speakers}[label]
    after = next(s.display for s in speakers if s.label == label)
    segments = [
        replace(s, speaker=after) if s.speaker == before else s for s in transcript.segments
    ]
    return replace(
        transcript, segments=tuple(segments), paragraphs=paragraphs(segments), speakers=speakers
    )


def _label_of(segment: Segment, transcript: Transcript) -> str | None:
    by_display = {s.display: s.label for s in transcript.speakers}
    return by_display.get(segment.speaker) if segment.speaker else None


def find_label(transcript: Transcript, wanted: str) -> str | None:
    """A speaker by label ("S2"), by its shown name ("Speaker 2", "Ines"), case-insensitively."""
    key = " ".join(wanted.split()).casefold()
    for speaker in transcript.speakers:
        if key in (speaker.label.casefold(), speaker.display.casefold()):
            return speaker.label
    return None
