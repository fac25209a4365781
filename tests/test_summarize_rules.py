"""The extractive summarizer, rule family by rule family, on sentences written for these tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import cli
from daemon.summarize.extractive import ExtractiveSummarizer
from daemon.summarize.schema import Summary
from daemon.summarize.text import from_text

MONDAY = date(2026, 6, 15)


def summarize(script: str, when: date = MONDAY) -> Summary:
    utterances, _ = from_text(script)
    return ExtractiveSummarizer().summarize(utterances, when)


def items(summary: Summary) -> list[tuple[str | None, str, str | None]]:
    return [(a.owner, a.task, a.due.isoformat() if a.due else None) for a in summary.action_items]


class TestCommitments:
    def test_i_will_with_a_weekday_becomes_an_item_due_that_day(self) -> None:
        summary = summarize("Tom: I'll send the budget spreadsheet to finance by Thursday.")
        ((owner, task, due),) = items(summary)
        assert owner == "Tom"
        assert task == "Send the budget spreadsheet to finance"
        assert due == "2026-06-18"
        assert summary.action_items[0].due_phrase == "Thursday"

    def test_let_me_and_going_to_and_i_can_are_commitments(self) -> None:
        summary = summarize(
            "Ana: Let me check with legal about the contract wording.\n"
            "Ben: I'm going to rewrite the onboarding guide next week.\n"
            "Cleo: I can draft the announcement tonight.\n"
        )
        assert items(summary) == [
            ("Ana", "Check with legal about the contract wording", None),
            ("Ben", "Rewrite the onboarding guide", None),
            ("Cleo", "Draft the announcement", "2026-06-15"),
        ]
        assert summary.action_items[1].due_phrase == "next week"

    @pytest.mark.parametrize(
        "line",
        [
            "Carl: We should think about a new logo someday.",
            "Dee: It would be nice to automate the reports eventually.",
            "Eve: If the numbers look bad, I'll escalate to the board.",
            "Fay: Yesterday I finished the database migration.",
            "Gus: Today I'm still working on the invoices.",
            "Hal: Let me think about it.",
            "Ida: I don't think I can make the workshop.",
            "Jo: Can I ask a quick question about the budget?",
        ],
    )
    def test_vague_conditional_finished_or_ongoing_work_is_not_an_item(self, line: str) -> None:
        assert summarize(line).action_items == []

    def test_one_sentence_with_two_dated_deliverables_gives_two_items(self) -> None:
        summary = summarize("Vic: I'll email the vendor today and send you the quote by Friday.")
        assert [(o, d) for o, _, d in items(summary)] == [
            ("Vic", "2026-06-15"),
            ("Vic", "2026-06-19"),
        ]
        assert "vendor" in summary.action_items[0].task.lower()
        assert "quote" in summary.action_items[1].task.lower()

    def test_a_follow_up_that_refines_an_item_is_folded_into_it(self) -> None:
        summary = summarize(
            "Uma: I'll prepare the client deck.\n"
            "Ray: Great, thanks.\n"
            "Uma: I'll have it ready by Wednesday, and I'll copy you too.\n"
        )
        assert items(summary) == [("Uma", "Prepare the client deck", "2026-06-17")]


class TestAssignments:
    def test_an_accepted_request_belongs_to_the_person_asked(self) -> None:
        summary = summarize(
            "Maya: Omar, can you update the pricing page by Friday?\nOmar: Sure, no problem.\n"
        )
        assert items(summary) == [("Omar", "Update the pricing page", "2026-06-19")]

    def test_the_date_in_the_answer_wins_over_the_request(self) -> None:
        summary = summarize(
            "Maya: Omar, could you review the security checklist?\n"
            "Omar: Yes, but probably not until Thursday.\n"
        )
        assert items(summary) == [("Omar", "Review the security checklist", "2026-06-18")]

    def test_a_declined_request_is_no_item_and_a_later_taker_owns_it(self) -> None:
        summary = summarize(
            "Maya: Omar, could you write the press kit?\n"
            "Omar: I can try, but I'm completely underwater this week.\n"
            "Maya: No worries, I'll take the press kit myself.\n"
        )
        ((owner, task, _),) = items(summary)
        assert owner == "Maya"
        assert "press kit" in task.lower()

    def test_a_request_with_no_answer_is_not_an_item(self) -> None:
        summary = summarize("Maya: Omar, can you fix the printer?\nLeo: The printer is fine now.\n")
        assert summary.action_items == []

    def test_a_third_person_assignment_names_its_owner(self) -> None:
        summary = summarize("Lena: Paul will book the venue for the offsite.\nPaul: Yes, on it.\n")
        assert items(summary)[0][:2] == ("Paul", "Book the venue for the offsite")


class TestChanges:
    def test_a_cancelled_task_disappears(self) -> None:
        summary = summarize(
            "Ria: I'll order new chairs for the lab.\n"
            "Sam: Actually, we just got a donation of chairs.\n"
            "Ria: Oh, then cancel the chairs.\n"
        )
        assert summary.action_items == []

    def test_a_reassigned_task_ends_with_the_new_owner_and_date(self) -> None:
        summary = summarize(
            "Kim: Joe, can you prepare the quarterly slides?\n"
            "Joe: Sure.\n"
            "Kim: Good. Next topic is the parking situation.\n"
            "Joe: Wait, I'm on leave next week, so I can't do that.\n"
            "Kim: Lin, could you handle that instead?\n"
            "Lin: Yes, I'll have them ready by Monday.\n"
        )
        assert items(summary) == [("Lin", "Prepare the quarterly slides", "2026-06-22")]

    def test_a_duty_nobody_took_has_no_owner(self) -> None:
        summary = summarize(
            "Ola: The fire drill report has to be submitted by the end of the month.\n"
            "Ola: Let's put it on the action list, nobody owns it yet.\n"
        )
        ((owner, task, due),) = items(summary)
        assert owner is None
        assert "fire drill report" in task.lower()
        assert due == "2026-06-30"

    def test_an_explicit_action_item_marker_is_an_item(self) -> None:
        summary = summarize("Pia: Action item: update the wiki with the new release process.")
        assert items(summary) == [(None, "Update the wiki with the new release process", None)]

    def test_an_action_item_marker_with_a_name_has_that_owner(self) -> None:
        summary = summarize(
            "Pia: Action item for Quinn: renew the SSL certificate by Friday.\nQuinn: Okay."
        )
        assert items(summary) == [("Quinn", "Renew the SSL certificate", "2026-06-19")]


class TestDueDates:
    @pytest.mark.parametrize(
        ("meeting", "said", "due"),
        [
            (date(2026, 12, 30), "by Monday", "2027-01-04"),
            (date(2026, 12, 30), "by the end of the month", "2026-12-31"),
            (date(2026, 12, 30), "next Friday", "2027-01-08"),
            (date(2026, 12, 30), "on January fifth", "2027-01-05"),
            (date(2026, 1, 31), "tomorrow", "2026-02-01"),
            (date(2026, 1, 31), "by the end of next month", "2026-02-28"),
            (date(2026, 1, 31), "in two weeks", "2026-02-14"),
            (date(2028, 2, 27), "by the end of the month", "2028-02-29"),
            (date(2026, 6, 15), "by the end of the week", "2026-06-19"),
            (date(2026, 6, 19), "by Friday", "2026-06-26"),
            (date(2026, 6, 15), "by the twentieth", "2026-06-20"),
            (date(2026, 6, 15), "soon", None),
        ],
    )
    def test_relative_dates_resolve_against_the_meeting_date(
        self, meeting: date, said: str, due: str | None
    ) -> None:
        summary = summarize(f"Zoe: I'll file the expense report {said}.", meeting)
        assert items(summary) == [("Zoe", "File the expense report", due)]

    def test_no_time_expression_means_no_due_date(self) -> None:
        assert items(summarize("Zoe: I'll file the expense report."))[0][2] is None


class TestDecisions:
    def test_explicit_decision_markers(self) -> None:
        summary = summarize(
            "Ivy: After all that, we decided to keep the old vendor for another year.\n"
            "Lou: So we're going with the blue design for the brochure.\n"
        )
        assert [d.text for d in summary.decisions] == [
            "Keep the old vendor for another year",
            "Use the blue design for the brochure",
        ]

    def test_a_proposal_nobody_objects_to_is_a_decision(self) -> None:
        summary = summarize(
            "Ned: I suggest we move the retro to Thursday afternoons. Any objections?\n"
            "Ola: None here.\n"
            "Pat: Fine by me.\n"
        )
        assert len(summary.decisions) == 1
        assert "retro" in summary.decisions[0].text.lower()

    @pytest.mark.parametrize(
        "line",
        [
            "Ann: Let's not decide that today.",
            "Ann: Let's hold off deciding until we hear from finance.",
            "Ann: Maybe someday, not this quarter.",
            "Ann: Okay, let's get started.",
            "Ann: The build is green again.",
        ],
    )
    def test_deferrals_small_talk_and_status_are_not_decisions(self, line: str) -> None:
        assert summarize(line).decisions == []

    def test_a_restated_decision_is_listed_once(self) -> None:
        summary = summarize(
            "Bo: Let's drop the printed catalogue this year.\n"
            "Cy: Agreed.\n"
            "Bo: Great, so no printed catalogue this year.\n"
        )
        assert len(summary.decisions) == 1


class TestPeopleAndOverview:
    def test_attendees_are_speakers_and_people_addressed_by_name(self) -> None:
        summary = summarize(
            "Ava: Hi Bruno, thanks for joining. Like, are you ready?\nCarmen: Morning, Ava.\n"
        )
        assert summary.attendees == ["Ava", "Carmen", "Bruno"]

    def test_the_overview_names_people_and_counts(self) -> None:
        summary = summarize("Ava: I'll send the agenda today.\nBen: Okay.\n")
        assert summary.overview.startswith("Ava and Ben met on Monday 15 June 2026")
        assert "1 action item" in summary.overview

    def test_a_question_left_unanswered_is_an_open_question(self) -> None:
        summary = summarize(
            "Ava: Does anyone know when the new laptops arrive?\nBen: No idea, honestly.\n"
        )
        assert summary.open_questions == ["Does anyone know when the new laptops arrive?"]

    def test_a_spoken_preface_is_not_part_of_the_open_question(self) -> None:
        summary = summarize(
            "Ava: One more question for Ben: who signs off the supplier contract?\n"
            "Ben: Not sure yet, honestly.\n"
        )
        assert summary.open_questions == ["Who signs off the supplier contract?"]

    def test_small_talk_about_how_something_went_is_no_open_question(self) -> None:
        summary = summarize(
            "Ava: How did the move to the new office go last week?\nBen: No idea, honestly.\n"
        )
        assert summary.open_questions == []

    def test_an_adverb_between_i_will_and_the_verb_is_not_part_of_the_task(self) -> None:
        summary = summarize("Tom: I'll certainly reply to the auditors by Thursday.")
        assert items(summary) == [("Tom", "Reply to the auditors", "2026-06-18")]

    def test_the_same_meeting_gives_the_same_summary(self) -> None:
        script = "Ava: I'll send the agenda today.\nBen: Let's go with the short agenda.\n"
        assert summarize(script) == summarize(script)


class TestMorePhrasings:
    def test_a_request_to_anyone_is_taken_by_who_answers(self) -> None:
        summary = summarize("Ed: Can someone take notes for the board call?\nFlo: I'll do it.\n")
        assert items(summary) == [("Flo", "Take notes for the board call", None)]

    def test_a_recap_line_name_to_verb_is_an_assignment(self) -> None:
        summary = summarize("Gil: Hana, thanks.\nGil: So, Hana to renew the domain by Friday.\n")
        assert items(summary) == [("Hana", "Renew the domain", "2026-06-19")]

    def test_the_owner_moving_a_date_changes_the_due_date(self) -> None:
        summary = summarize(
            "Ike: I'll send the draft contract by Wednesday.\n"
            "Jan: Thanks.\n"
            "Ike: Actually, can we make that Friday? Legal is slow this week.\n"
        )
        assert items(summary) == [("Ike", "Send the draft contract", "2026-06-19")]

    def test_someone_else_moving_a_date_needs_the_owner_to_agree(self) -> None:
        script = "Ike: I'll send the draft contract by Wednesday.\nJan: Can we make that Monday?\n"
        assert items(summarize(script + "Ike: Sure.\n"))[0][2] == "2026-06-22"
        assert (
            items(summarize(script + "Kai: Unrelated, but the coffee is out.\n"))[0][2]
            == "2026-06-17"
        )

    def test_by_the_end_of_an_event_uses_the_date_the_meeting_gave_it(self) -> None:
        summary = summarize(
            "Lia: Reminder, the sprint ends on the twenty-sixth.\n"
            "Max: I'll close the open bugs before the end of the sprint.\n"
        )
        assert items(summary) == [("Max", "Close the open bugs", "2026-06-26")]


class TestSummarizeCommand:
    def test_a_transcript_file_is_summarized_to_json(self, tmp_path: Path) -> None:
        transcript = tmp_path / "standup.txt"
        transcript.write_text(
            "# date: 2026-06-15\n"
            "Ava: Ben, can you rotate the API keys by Wednesday?\n"
            "Ben: Sure, will do.\n"
            "Ava: And we agreed to freeze deploys on Fridays.\n"
        )
        result = CliRunner().invoke(cli, ["summarize", str(transcript), "--json"])
        assert result.exit_code == 0, result.output
        summary = Summary.model_validate_json(result.output)
        assert items(summary) == [("Ben", "Rotate the API keys", "2026-06-17")]
        assert [d.text for d in summary.decisions] == ["Freeze deploys on Fridays"]
        assert summary.action_items[0].evidence.verified

    def test_the_date_option_wins_over_the_header(self, tmp_path: Path) -> None:
        transcript = tmp_path / "t.txt"
        transcript.write_text("# date: 2026-06-15\nAva: I'll renew the domain tomorrow.\n")
        result = CliRunner().invoke(
            cli, ["summarize", str(transcript), "--json", "--date", "2026-07-01"]
        )
        assert Summary.model_validate_json(result.output).action_items[0].due == date(2026, 7, 2)


class TestGeneralPhrasings:
    def test_taking_a_task_off_someones_plate_moves_it(self) -> None:
        summary = summarize(
            "Ann: I'll print the conference badges by Thursday.\n"
            "Bob: Wait, the attendee list isn't final and you're out all week.\n"
            "Cal: Okay, I'll take the badges off your plate. I'll print them next Monday.\n"
        )
        assert items(summary) == [("Cal", "Print the conference badges", "2026-06-22")]

    def test_volunteering_phrases_are_commitments(self) -> None:
        summary = summarize(
            "Dee: Put me down for booking the caterer. I can have that done by Friday.\n"
            "Eli: Count me in for setting up the projector.\n"
        )
        assert items(summary) == [
            ("Dee", "Book the caterer", "2026-06-19"),
            ("Eli", "Set up the projector", None),
        ]

    def test_somebody_has_to_is_an_unowned_task_and_somebody_should_needs_agreement(self) -> None:
        summary = summarize(
            "Fay: Somebody has to renew the parking permits before the end of the month.\n"
            "Gus: Somebody should clean the storage room.\nFay: Ha, sure.\n"
        )
        assert items(summary) == [(None, "Renew the parking permits", "2026-06-30")]
        agreed = summarize(
            "Gus: Somebody should clean the storage room.\nFay: Agreed, add it to the list.\n"
        )
        assert items(agreed) == [(None, "Clean the storage room", None)]

    @pytest.mark.parametrize(
        "line",
        [
            "Hal: I can approve the invoice, but not until I see the receipts.",
            "Ivy: I'll call the venue if the numbers change.",
            "Jon: I can lift heavy boxes easily.",
        ],
    )
    def test_hedged_conditional_and_ability_statements_are_not_items(self, line: str) -> None:
        assert summarize(line).action_items == []

    def test_a_date_in_the_next_sentence_completes_the_item(self) -> None:
        summary = summarize(
            "Kim: Lou, the vendor invoices?\nLou: I'll take care of it. They go out by Wednesday.\n"
        )
        ((owner, task, due),) = items(summary)
        assert (owner, due) == ("Lou", "2026-06-17")
        assert "vendor invoices" in task

    def test_a_hedged_later_date_after_but_is_the_due_date(self) -> None:
        summary = summarize("Mo: I'll send you the signed lease, but probably not until Friday.")
        assert items(summary) == [("Mo", "Send you the signed lease", "2026-06-19")]

    def test_two_dated_deliverables_split_even_with_and_inside_a_name(self) -> None:
        summary = summarize(
            "Ned: I'll finish the terms and conditions page tonight and send the draft on Thursday."
        )
        assert [(t, d) for _, t, d in items(summary)] == [
            ("Finish the terms and conditions page", "2026-06-15"),
            ("Send the draft", "2026-06-18"),
        ]


class TestMoreDecisions:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("Oli: Okay, the offsite moves to the second week of July.", "offsite"),
            ("Oli: So that's settled then, we rent the smaller van.", "smaller van"),
            ("Oli: Done deal, Harbor Catering it is.", "Harbor Catering"),
            ("Oli: Locked in, the launch party is on Friday the nineteenth.", "launch party"),
            ("Oli: Let's scrap the printed newsletter.", "printed newsletter"),
            ("Oli: Then starting next month, every expense needs a receipt.", "receipt"),
        ],
    )
    def test_common_ways_of_settling_something(self, line: str, expected: str) -> None:
        (decision,) = summarize(line).decisions
        assert expected.lower() in decision.text.lower()

    def test_parking_an_idea_is_not_a_decision(self) -> None:
        assert summarize("Oli: Nice idea, let's keep it on the wish list.").decisions == []
        assert summarize("Oli: Let's table that until we hear from legal.").decisions == []


def test_a_decision_is_its_outcome_without_the_reasons() -> None:
    summary = summarize("Pam: We decided to delay the release because the auditors need a week.")
    assert [d.text for d in summary.decisions] == ["Delay the release"]
