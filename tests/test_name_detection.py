"""Names are found in transcripts written with capitals and without: the recasing of uncased text,
the casing table it reads, and what is never a name. Each case is a kind of saying."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from daemon.errors import ModelError
from daemon.privacy.casing import TABLE_PATH, capital_weight, verify_table
from daemon.privacy.detect import Detector, detector
from daemon.privacy.recase import could_be_name, is_uncased, recased


@pytest.fixture(scope="module")
def find() -> Detector:
    return detector(["PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER"], [], [])


def people(found: Detector, text: str) -> set[str]:
    return {text[f.start : f.end] for f in found.find(text) if f.entity == "PERSON"}


def test_only_text_written_without_capitals_is_recased() -> None:
    assert is_uncased("thanks wojciech can you send the deck")
    assert not is_uncased("Thanks Wojciech, can you send the deck?")
    assert recased("Thanks wojciech, can you send the deck?") == (
        "Thanks wojciech, can you send the deck?"
    )


def test_recasing_capitalises_only_words_writers_capitalise_and_keeps_every_offset() -> None:
    said = "so ngozi and radoslaw will take the o'sullivan account from lucas"
    cased = recased(said)
    assert cased == "so Ngozi and Radoslaw will take the O'Sullivan account from Lucas"
    assert len(cased) == len(said)


def test_a_name_that_is_also_a_dictionary_entry_is_told_from_a_word_by_its_casing() -> None:
    # WordNet lists "lucas" and "maria" (after famous bearers) beside "mark" and "hope".
    assert could_be_name("lucas") and could_be_name("maria")
    assert not could_be_name("mark") and not could_be_name("hope")
    assert not could_be_name("co-founder")
    assert could_be_name("garcía-lópez")
    weight = capital_weight("the")
    assert weight is not None and weight < 0


def test_people_named_in_a_lower_case_transcript_are_found(find: Detector) -> None:
    text = "okay so thanks oksana and ask rafael he's got the numbers for the q2 forecast"
    assert people(find, text) == {"oksana", "rafael"}


def test_the_same_names_are_found_with_capitals(find: Detector) -> None:
    text = "Okay, so thanks Oksana, and ask Rafael, he's got the numbers."
    assert people(find, text) == {"Oksana", "Rafael"}


def test_ordinary_words_in_a_lower_case_transcript_are_not_people(find: Detector) -> None:
    text = "can you mark the ticket as done and we will hope for grace on the deadline by friday"
    assert people(find, text) == set()


def test_days_and_months_are_never_people(find: Detector) -> None:
    assert people(find, "Thanks, we can ship it Thursday, or in March at the latest.") == set()


def test_a_surname_particle_said_apart_belongs_to_the_name(find: Detector) -> None:
    text = "I spoke with Pieter van Dijk and Hugo de Sousa yesterday."
    assert people(find, text) == {"Pieter van Dijk", "Hugo de Sousa"}


def test_a_casing_table_that_is_not_the_converted_one_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "casing.tsv.gz"
    shutil.copy(TABLE_PATH, copy)
    verify_table(copy)
    data = bytearray(copy.read_bytes())
    data[100] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        verify_table(copy)


def test_a_name_that_is_also_a_word_is_a_person_where_its_writer_capitalised_it(
    find: Detector,
) -> None:
    assert people(find, "Could you sync with Bill and ask Ruby about the invoice?") == {
        "Bill",
        "Ruby",
    }
    assert people(find, "Dawn, can you send the rota before noon?") == {"Dawn"}


def test_departments_capitalised_mid_sentence_are_not_people(find: Detector) -> None:
    assert people(find, "We should ask Legal and Finance before we sign.") == set()
    assert people(find, "Sure, can you send the rota before noon?") == set()


def test_a_name_doing_something_in_a_lower_case_transcript_is_a_person(find: Detector) -> None:
    assert people(find, "so thandiwe raised the budget point and we moved on") == {"thandiwe"}


def test_a_given_name_that_is_a_word_is_a_person_where_a_name_is_said(find: Detector) -> None:
    assert people(find, "thanks sandy and can you ask for dawn at the desk") == {"sandy", "dawn"}
    assert people(find, "jack said the crates are in and rose agreed") == {"jack", "rose"}
    assert people(find, "please sync with bill okafor before the audit") == {"bill okafor"}


def test_the_same_words_used_as_words_are_not_people(find: Detector) -> None:
    text = "we hope the bill is paid and the rose garden opens at dawn with grace"
    assert people(find, text) == set()
    assert people(find, "will you send it and may we ask for more time") == set()


def test_hyphenated_given_names_titles_and_inverted_questions_mark_people(find: Detector) -> None:
    assert people(find, "Could Mateus share the slides with Ji-woo before the review?") == {
        "Mateus",
        "Ji-woo",
    }
    assert people(find, "the tenant says her landlord is a mr gallagher") == {"gallagher"}
    assert people(find, "I read it. Ask Precious to pair with him.") == {"Precious"}


def test_a_given_name_doing_something_is_a_person_but_not_after_a_determiner(
    find: Detector,
) -> None:
    assert people(find, "ok so rob has the final say and the bill has been paid") == {"rob"}


def test_a_given_name_addressed_at_the_start_of_a_sentence_is_a_person(find: Detector) -> None:
    # spaCy reads a sentence-initial "Grace" as a noun; the address after it says it is a name.
    assert people(find, "Grace, can you chase the scaffolding crew?") == {"Grace"}
    assert people(find, "Sure, can you chase the scaffolding crew?") == set()


def test_a_given_name_read_as_a_modal_verb_is_a_person_before_a_finite_verb(
    find: Detector,
) -> None:
    assert people(find, "Will is covering the night audit on Friday.") == {"Will"}
    assert people(find, "ok will has the keys to the site office") == {"will"}
    assert people(find, "Will you cover the night audit on Friday?") == set()


def test_a_month_or_season_that_is_a_given_name_is_a_person_only_where_said_as_one(
    find: Detector,
) -> None:
    text = "The budget is fine, and Summer from marketing wants the launch moved."
    assert people(find, text) == {"Summer"}
    assert people(find, "my desk is on the third floor just ask for june") == {"june"}
    assert people(find, "We ship in June, and thanks, June 3 is the review.") == set()
    assert people(find, "By Summer we will know more.") == set()


def test_a_word_taken_for_a_place_is_a_person_when_listed_with_a_person(find: Detector) -> None:
    text = "thanks especially to the volunteers oksana and bilal who ran the raffle"
    assert people(find, text) == {"oksana", "bilal"}


def test_a_hyphenated_surname_split_by_the_tokenizer_is_one_name(find: Detector) -> None:
    text = "for the record amara osei-bonsu and tom are on the new pension scheme"
    assert people(find, text) == {"amara osei-bonsu", "tom"}


def test_a_name_spelled_out_for_the_record_is_the_same_person(find: Detector) -> None:
    text = "The file is under Kowalczyk, K-O-W-A-L-C-Z-Y-K, from last year."
    assert people(find, text) == {"Kowalczyk", "K-O-W-A-L-C-Z-Y-K"}
    assert people(find, "The ticket code is A-B-C and it goes to Legal.") == set()


def test_a_given_name_that_starts_a_sentence_is_a_person_when_it_speaks_or_is_listed(
    find: Detector,
) -> None:
    assert people(find, "Joy confirmed the venue for the offsite.") == {"Joy"}
    assert people(find, "Hunter and Ivy are on call this weekend.") == {"Hunter", "Ivy"}
    assert people(find, "Amber, your badge expires on Friday.") == {"Amber"}
    assert people(find, "Joy and relief were the mood after the audit.") == set()


def test_a_surname_after_a_title_is_a_person_even_when_spacy_calls_it_a_place(
    find: Detector,
) -> None:
    # spaCy takes "Mr Adeyemi" for a place here, title and all.
    assert people(find, "We booked the scan with Mr Adeyemi on Thursday.") == {"Mr Adeyemi"}
    assert people(find, "the letter is for ms pham and her brother") == {"pham"}


def test_words_of_address_before_a_name_outrank_a_place(find: Detector) -> None:
    assert people(find, "Please ring Ciaran today, or ask for Siobhan at the desk.") == {
        "Ciaran",
        "Siobhan",
    }
    assert people(find, "Send the draft and copy Efua.") == {"Efua"}


def test_a_given_name_from_a_team_is_a_person_but_not_after_a_determiner(find: Detector) -> None:
    assert people(find, "ok so bill from payroll needs the forms") == {"bill"}
    assert people(find, "the bill from the caterer came in high") == set()
