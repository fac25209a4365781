"""Spoken e-mail addresses and numbers are written out the way they are typed, so that Presidio's
recognizers can judge them; each case is one kind of saying, not a line of our data."""

from __future__ import annotations

import pytest

from daemon.privacy.spoken import rewrite


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("write to carla dot reyes at pampas foods dot ar", "carla.reyes@pampasfoods.ar"),
        ("it's b kovacs at danube rail dot hu thanks", "bkovacs@danuberail.hu"),
        ("cc ops 7 at edge dot nimbus works dot io", "ops7@edge.nimbusworks.io"),
        ("mail l i n at harbor dot gov", "lin@harbor.gov"),
        ("send it to hello at sign bright bakes dot co dot nz", "hello@brightbakes.co.nz"),
        ("ravi at the rate tata tele dot in", "ravi@tatatele.in"),
        ("sales at p and g dot com", "sales@p-and-g.com"),
    ],
)
def test_a_spoken_address_is_written_out_whole(said: str, written: str) -> None:
    assert written in rewrite(said).text


def test_the_mailbox_is_the_words_before_the_last_at() -> None:
    assert "tariq.aziz@lahore.pk" in rewrite("reach me at tariq dot aziz at lahore dot pk").text


def test_a_pronoun_before_at_is_who_is_reached_not_a_mailbox() -> None:
    assert rewrite("you can find us at harbor dot com").rewrites == ()


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("plus four nine, fifteen, twenty two, thirty one, forty", "+49 15 22 31 40"),
        ("one eight hundred five five five two one two one", "18005552121"),
        ("two one two, five five five, oh one nine nine, extension four five", "ext 45"),
        ("the box is at ten dot one dot two dot three", "10.1.2.3"),
    ],
)
def test_numbers_said_in_pairs_hundreds_extensions_and_dotted_quads_are_written(
    said: str, written: str
) -> None:
    assert written in rewrite(said).text


def test_a_short_count_of_things_is_left_alone() -> None:
    assert rewrite("we need twelve chairs and thirty four cups").rewrites == ()


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("it's dana underscore r seventy one at fjord mail dot no", "dana_r71@fjordmail.no"),
        ("try wong fifty at one two six dot com", "wong50@126.com"),
        ("send it to j dot moreau at free dot f r please", "j.moreau@free.fr"),
        ("her mail is e dot obi at u i dot edu dot n g", "e.obi@ui.edu.ng"),
    ],
)
def test_addresses_with_numbers_said_as_words_and_letters_spelled_out_are_written(
    said: str, written: str
) -> None:
    assert written in rewrite(said).text


def test_numbers_at_the_end_of_a_mailbox_need_a_word_before_them() -> None:
    assert rewrite("one two at the office dot com").rewrites == ()


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("her cell is plus 351 912 345 678", "+351 912 345 678"),
        ("it's three one two, uh, five five five, oh one four two", "312 555 0142"),
        ("the hotline is eight six seven five three oh nine", "867 5309"),
        ("dial four one five five five five two six seven one", "415 555 2671"),
        ("desk is five five five two one three four extension twenty two", "555 2134 ext 22"),
    ],
)
def test_a_said_plus_hesitations_and_numbers_said_in_one_breath_are_written_as_phones_are(
    said: str, written: str
) -> None:
    assert written in rewrite(said).text


def test_a_spelled_mailbox_keeps_its_letter_a_but_not_the_article_before_it() -> None:
    assert "dana.kerr@clinic.ie" in rewrite("it's d a n a dot kerr at clinic dot ie").text
    assert "written a " in rewrite("i've written a kerr at clinic dot ie").text


def test_a_full_name_before_a_spoken_number_is_the_mailbox() -> None:
    assert "lenaortiz41@gmx.de" in rewrite("write to lena ortiz forty one at gmx dot de").text
    assert "ortiz41@gmx.de" in rewrite("tell ortiz forty one at gmx dot de").text
    assert "tell " in rewrite("tell ortiz forty one at gmx dot de").text
