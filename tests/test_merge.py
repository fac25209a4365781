"""Merging chunk transcripts: absolute times, overlap words once, paragraphs at pauses."""

from __future__ import annotations

from daemon.merge import merge, paragraphs
from daemon.models import ChunkTranscript, Provenance, Segment

PROVENANCE = Provenance("test", "none")


def chunk(
    index: int, start: float, end: float, overlap: float, *segments: Segment
) -> ChunkTranscript:
    return ChunkTranscript(index, start, end, overlap, "en", segments)


def test_segments_keep_their_absolute_times_in_chunk_order() -> None:
    second = chunk(1, 10.0, 20.0, 0.0, Segment(10.5, 14.0, "second part"))
    first = chunk(0, 0.0, 10.0, 0.0, Segment(0.5, 4.0, "first part"))
    transcript = merge([second, first], 20.0, PROVENANCE)
    assert [(s.start, s.text) for s in transcript.segments] == [
        (0.5, "first part"),
        (10.5, "second part"),
    ]
    assert transcript.text == "first part second part"
    assert transcript.language == "en"


def test_words_repeated_by_a_forced_overlap_appear_once() -> None:
    before = chunk(0, 0.0, 10.0, 0.0, Segment(6.0, 10.0, "we will ship the new release on"))
    after = chunk(1, 9.0, 19.0, 1.0, Segment(9.0, 13.0, "release on Monday after the review"))
    transcript = merge([before, after], 19.0, PROVENANCE)
    assert transcript.text == "we will ship the new release on Monday after the review"
    assert transcript.segments[1].start > 9.0  # the kept words start later than the overlap


def test_repetition_is_matched_ignoring_case_and_punctuation() -> None:
    before = chunk(0, 0.0, 10.0, 0.0, Segment(6.0, 10.0, "Send it to Maria."))
    after = chunk(1, 9.0, 19.0, 1.0, Segment(9.0, 12.0, "to maria, and then we are done"))
    assert merge([before, after], 19.0, PROVENANCE).text == "Send it to Maria. and then we are done"


def test_at_a_cut_in_a_pause_repeated_words_are_real_and_kept() -> None:
    before = chunk(0, 0.0, 10.0, 0.0, Segment(6.0, 9.0, "go go"))
    after = chunk(1, 10.0, 19.0, 0.0, Segment(10.2, 12.0, "go go go"))
    assert merge([before, after], 19.0, PROVENANCE).text == "go go go go go"


def test_a_segment_entirely_repeated_is_dropped() -> None:
    before = chunk(0, 0.0, 10.0, 0.0, Segment(7.0, 10.0, "thanks everyone"))
    after = chunk(
        1, 9.0, 19.0, 1.0, Segment(9.0, 9.9, "thanks everyone"), Segment(10.5, 12.0, "next item")
    )
    assert [s.text for s in merge([before, after], 19.0, PROVENANCE).segments] == [
        "thanks everyone",
        "next item",
    ]


def test_paragraphs_break_at_long_pauses_and_speaker_changes() -> None:
    segments = [
        Segment(0.0, 2.0, "One.", speaker="Ana"),
        Segment(2.5, 4.0, "Two.", speaker="Ana"),
        Segment(7.0, 8.0, "Three.", speaker="Ana"),
        Segment(8.2, 9.0, "Four.", speaker="Ben"),
    ]
    assert [p.text for p in paragraphs(segments)] == ["One. Two.", "Three.", "Four."]


def test_a_long_monologue_is_broken_at_a_sentence_end_after_a_minute() -> None:
    segments = [Segment(i * 5.0, i * 5.0 + 4.8, f"Sentence {i}.") for i in range(30)]
    groups = paragraphs(segments)
    assert len(groups) >= 2
    assert all(p.end - p.start <= 65.0 for p in groups)
