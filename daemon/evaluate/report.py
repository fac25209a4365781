"""What ``minutes eval`` prints: a table per meeting, the misses and extras, the overall line,
and with a second configuration both side by side with the difference; or the same as JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from daemon.evaluate.gold import Action
from daemon.evaluate.run import Evaluation
from daemon.evaluate.score import Counts, MeetingScore, OverallScore
from daemon.terminal import terminal_safe

OVERALL = "OVERALL (micro)"


def label(evaluation: Evaluation) -> str:
    about = evaluation.summarizer
    details = [
        f"{key.replace('_', ' ')} {about[key]}"
        for key in ("model", "prompt_version", "version")
        if about.get(key)
    ]
    return str(about["name"]) + (f" ({', '.join(details)})" if details else "")


# Text ------------------------------------------------------------------------------------------


def text_report(evaluation: Evaluation) -> str:
    meetings = evaluation.meetings
    width = max(len(OVERALL), *(len(m.id) for m in meetings))
    header = (
        f"{'meeting':<{width}} | {'actions tp/gold/pred':>20} {'P':>5} {'R':>5} {'F1':>5} "
        f"| {'due':>5} | {'decisions tp/gold/pred':>22} {'P':>5} {'R':>5} {'F1':>5}"
    )
    rule = "-" * len(header)
    lines = [
        f"summarizer: {label(evaluation)}",
        f"gold: {evaluation.folder} ({len(meetings)} meetings, {evaluation.seconds:.2f} s)",
        "",
        header,
        rule,
    ]
    for meeting in meetings:
        lines.append(_row(meeting.id, width, meeting.actions, meeting.decisions,
                          meeting.due_accuracy))  # fmt: skip
    total = evaluation.overall
    lines += [rule, _row(OVERALL, width, total.actions, total.decisions, total.due_accuracy)]
    for meeting in meetings:
        lines.extend(_differences(meeting))
    lines += ["", final_line(total)]
    return "\n".join(terminal_safe(line) for line in lines)


def final_line(total: OverallScore) -> str:
    """The shared scorer's last line, so the two can be compared by eye or by script."""
    return (
        f"action_items_f1={total.actions.f1:.4f} decisions_f1={total.decisions.f1:.4f} "
        f"due_acc={total.due_accuracy:.4f}"
    )


def comparison_report(a: Evaluation, b: Evaluation) -> str:
    """Both evaluations in full, then their scores side by side with B minus A."""
    ids = [m.id for m in a.meetings]
    width = max(len(OVERALL), *(len(i) for i in ids))
    header = (
        f"{'meeting':<{width}} | {'action F1  A':>12} {'B':>5} {'B-A':>6} "
        f"| {'due  A':>6} {'B':>5} {'B-A':>6} | {'decision F1  A':>14} {'B':>5} {'B-A':>6}"
    )
    rule = "-" * len(header)
    lines = [f"A: {label(a)}", f"B: {label(b)}", "", header, rule]
    by_id = {m.id: m for m in b.meetings}
    for meeting in a.meetings:
        other = by_id[meeting.id]
        lines.append(
            _pair_row(meeting.id, width, (meeting.actions.f1, other.actions.f1),
                      (meeting.due_accuracy, other.due_accuracy),
                      (meeting.decisions.f1, other.decisions.f1))
        )  # fmt: skip
    ta, tb = a.overall, b.overall
    lines += [rule, _pair_row(OVERALL, width, (ta.actions.f1, tb.actions.f1),
                              (ta.due_accuracy, tb.due_accuracy),
                              (ta.decisions.f1, tb.decisions.f1))]  # fmt: skip
    lines += ["", f"{'overall':<22} {'A':>6} {'B':>6} {'B-A':>7}"]
    for name, (x, y) in _overall_pairs(ta, tb).items():
        lines.append(f"{name:<22} {x:6.3f} {y:6.3f} {y - x:+7.3f}")
    side_by_side = "\n".join(terminal_safe(line) for line in lines)
    return "\n\n".join((text_report(a), text_report(b), side_by_side))


def _row(name: str, width: int, actions: Counts, decisions: Counts, due: float | None) -> str:
    return (
        f"{name:<{width}} | {_counts(actions):>20} {_f(actions.precision)} {_f(actions.recall)} "
        f"{_f(actions.f1)} | {_f(due)} | {_counts(decisions):>22} {_f(decisions.precision)} "
        f"{_f(decisions.recall)} {_f(decisions.f1)}"
    )


def _pair_row(
    name: str,
    width: int,
    actions: tuple[float, float],
    due: tuple[float | None, float | None],
    decisions: tuple[float, float],
) -> str:
    return (
        f"{name:<{width}} | {_f(actions[0]):>12} {_f(actions[1])} {_delta(*actions)} "
        f"| {_f(due[0]):>6} {_f(due[1])} {_delta(*due)} "
        f"| {_f(decisions[0]):>14} {_f(decisions[1])} {_delta(*decisions)}"
    )


def _differences(meeting: MeetingScore) -> list[str]:
    found = (
        [f"  action missed:   {_action(a)}" for a in meeting.missed_actions]
        + [f"  action extra:    {_action(a)}" for a in meeting.extra_actions]
        + [f"  due wrong:       {_action(g)}: got {p.due or 'none'}" for g, p in meeting.wrong_dues]
        + [f"  decision missed: {d.text}" for d in meeting.missed_decisions]
        + [f"  decision extra:  {d.text}" for d in meeting.extra_decisions]
    )
    return ["", meeting.id, *found] if found else []


def _action(action: Action) -> str:
    due = f" (due {action.due})" if action.due else ""
    return f"[{action.owner or 'nobody'}] {action.task}{due}"


def _counts(counts: Counts) -> str:
    return f"{counts.tp}/{counts.gold}/{counts.pred}"


def _f(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def _delta(a: float | None, b: float | None) -> str:
    return "   n/a" if a is None or b is None else f"{b - a:+6.3f}"


def _overall_pairs(a: OverallScore, b: OverallScore) -> dict[str, tuple[float, float]]:
    return {
        "action precision": (a.actions.precision, b.actions.precision),
        "action recall": (a.actions.recall, b.actions.recall),
        "action F1": (a.actions.f1, b.actions.f1),
        "due-date accuracy": (a.due_accuracy, b.due_accuracy),
        "decision precision": (a.decisions.precision, b.decisions.precision),
        "decision recall": (a.decisions.recall, b.decisions.recall),
        "decision F1": (a.decisions.f1, b.decisions.f1),
    }


# JSON ------------------------------------------------------------------------------------------


def as_json(evaluation: Evaluation) -> dict[str, Any]:
    total = evaluation.overall
    return {
        "gold": str(evaluation.folder),
        "summarizer": evaluation.summarizer,
        "seconds": round(evaluation.seconds, 3),
        "meetings": [_meeting_json(m) for m in evaluation.meetings],
        "overall": {
            "action_items": _counts_json(total.actions),
            "decisions": _counts_json(total.decisions),
            "due_accuracy": total.due_accuracy,
        },
    }


def comparison_json(a: Evaluation, b: Evaluation) -> dict[str, Any]:
    difference = {name: y - x for name, (x, y) in _overall_pairs(a.overall, b.overall).items()}
    return {
        "a": as_json(a),
        "b": as_json(b),
        "difference": {key.lower().replace(" ", "_").replace("-", "_"): value
                       for key, value in difference.items()},
    }  # fmt: skip


def _meeting_json(meeting: MeetingScore) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "action_items": _counts_json(meeting.actions),
        "decisions": _counts_json(meeting.decisions),
        "due_accuracy": meeting.due_accuracy,
        "missed_action_items": [asdict(a) for a in meeting.missed_actions],
        "extra_action_items": [asdict(a) for a in meeting.extra_actions],
        "wrong_due_dates": [
            {"gold": asdict(g), "predicted": asdict(p)} for g, p in meeting.wrong_dues
        ],
        "missed_decisions": [d.text for d in meeting.missed_decisions],
        "extra_decisions": [d.text for d in meeting.extra_decisions],
    }


def _counts_json(counts: Counts) -> dict[str, Any]:
    return {
        "tp": counts.tp,
        "gold": counts.gold,
        "predicted": counts.pred,
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
    }
