"""Numbers the detector must find whatever their issuer or the way they were said."""

from __future__ import annotations

import pytest

from daemon.privacy.detect import Detector, detector


@pytest.fixture(scope="module")
def find() -> Detector:
    return detector(["CREDIT_CARD", "PHONE_NUMBER", "PERSON"], [], [])


def found(find: Detector, text: str) -> dict[str, str]:
    return {text[f.start : f.end]: f.entity for f in find.find(text)}


def test_a_mastercard_of_the_2_series_is_a_card_written_or_said(find: Detector) -> None:
    # Luhn still decides: a number that fails it is no card (here it passes for a phone).
    assert "CREDIT_CARD" not in found(find, "Charge it to 2720 9934 1234 5678 for now.").values()
    assert found(find, "Charge it to 2720 9934 1234 5671 for now.") == {
        "2720 9934 1234 5671": "CREDIT_CARD"
    }
    said = "it's two two two three oh oh four one two three four five six seven eight one"
    assert said.removeprefix("it's ") in found(find, said)


def test_an_international_number_with_a_said_plus_is_a_phone(find: Detector) -> None:
    text = "her cell is plus 351 912 345 678 after six"
    assert found(find, text) == {"plus 351 912 345 678": "PHONE_NUMBER"}
