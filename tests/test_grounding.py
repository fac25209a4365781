"""The grounding check: evidence must be in the transcript, tolerating small ASR differences."""

from __future__ import annotations

from datetime import date

from daemon.summarize.grounding import Grounder, ground
from daemon.summarize.schema import ActionItem, Decision, Evidence, Summary
from daemon.summarize.text import Utterance

TRANSCRIPT = [
    Utterance(0, None, "Good morning, everyone.", 0.0),
    Utterance(1, None, "I'll send over the SAML setup guide by tomorrow.", 12.5),
    Utterance(2, None, "Great, so we're going with SAML and retiring the Google connector.", 30.0),
]


def test_an_exact_quote_is_found_with_its_time() -> None:
    found = Grounder(TRANSCRIPT).locate("I'll send over the SAML setup guide by tomorrow.")
    assert found is not None and found.start == 12.5


def test_case_punctuation_and_a_small_asr_difference_are_tolerated() -> None:
    grounder = Grounder(TRANSCRIPT)
    assert grounder.locate("i'll send over the saml set up guide by tomorrow") is not None
    assert grounder.locate("we are going with SAML and retiring the Google connector") is not None


def test_a_quote_that_is_not_there_is_not_found() -> None:
    assert Grounder(TRANSCRIPT).locate("I'll buy everyone lunch on Friday") is None
    assert Grounder(TRANSCRIPT).locate("") is None


def test_unfounded_items_are_kept_marked_and_counted() -> None:
    summary = Summary(
        title="t",
        overview="o",
        action_items=[
            ActionItem(
                owner="Sam", task="Send the guide", due=date(2026, 3, 12), due_phrase="by tomorrow",
                evidence=Evidence(quote="I'll send over the SAML setup guide by tomorrow."),
            ),
            ActionItem(
                owner="Sam", task="Buy lunch", due=None, due_phrase=None,
                evidence=Evidence(quote="I'll buy everyone lunch on Friday"),
            ),
        ],
        decisions=[
            Decision(text="Use SAML", evidence=Evidence(quote="going with SAML and retiring"))
        ],
    )  # fmt: skip
    grounded = ground(summary, TRANSCRIPT)
    assert [a.evidence.verified for a in grounded.action_items] == [True, False]
    assert grounded.action_items[0].evidence.start == 12.5
    assert grounded.decisions[0].evidence.verified
    assert grounded.unverified == 1
