"""Find time expressions in a sentence and resolve them against the meeting's date.

Weeks run Monday to Sunday. The rules, in short:
- today, tonight, this afternoon, after lunch, right after this: the meeting date;
- tomorrow: +1 day; the day after tomorrow: +2;
- a bare weekday ("by Friday", "on Monday"): the first such day strictly after the meeting;
- "next Friday": Friday of the week after the meeting's week; "this Friday": this week's, if
  still ahead;
- end of the week / of next week: that week's Friday; end of the month: its last calendar day
  (also end of next month, of the quarter, of the year);
- in / within N days or weeks, "give me two weeks": the meeting date + N days or 7N days;
- explicit dates ("May eighth", "the 22nd of June", "on the twenty-second", 2026-05-08): that
  date in the meeting's year (the next year if it would be more than two months in the past);
- this week, next week, soon, as soon as..., the next couple of weeks: a phrase with no date.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_ABBREVIATIONS = {m[:3]: i for i, m in enumerate(MONTHS, start=1)} | {"sept": 9}

_UNITS = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen
""".split()
_ORDINAL_UNITS = """
    zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth
""".split()
CARDINALS: dict[str, int] = {w: i for i, w in enumerate(_UNITS)} | {"twenty": 20, "thirty": 30}
ORDINALS: dict[str, int] = {w: i for i, w in enumerate(_ORDINAL_UNITS)} | {
    "twentieth": 20,
    "thirtieth": 30,
}
for _tens, _value in (("twenty", 20), ("thirty", 30)):
    for _unit, _n in list(CARDINALS.items())[1:10]:
        CARDINALS[f"{_tens}-{_unit}"] = CARDINALS[f"{_tens} {_unit}"] = _value + _n
    for _unit, _n in list(ORDINALS.items())[1:10]:
        ORDINALS[f"{_tens}-{_unit}"] = ORDINALS[f"{_tens} {_unit}"] = _value + _n


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WEEKDAY = rf"(?P<weekday>{_alternation(WEEKDAYS)})"
_MONTH = rf"(?P<month>{_alternation([*MONTHS, *_MONTH_ABBREVIATIONS])})\.?"
_DAY = (
    rf"(?P<day>{_alternation(list(ORDINALS))}|\d{{1,2}}(?:st|nd|rd|th)?|"
    rf"{_alternation(list(CARDINALS))})"
)
_COUNT = rf"(?P<count>\d+|a|an|one|{_alternation(list(CARDINALS))})"


@dataclass(frozen=True)
class TimeExpression:
    phrase: str
    start: int
    end: int
    date: date | None  # None: a time was said, but no date follows from it ("next week")


def _friday(of: date, weeks_ahead: int = 0) -> date:
    return of - timedelta(days=of.weekday()) + timedelta(days=4 + 7 * weeks_ahead)


def _month_end(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    return date(year, month, calendar.monthrange(year, month)[1])


def _weekday_after(meeting: date, weekday: int) -> date:
    return meeting + timedelta(days=(weekday - meeting.weekday() - 1) % 7 + 1)


def _number(text: str) -> int | None:
    text = text.lower().strip()
    if text in ("a", "an"):
        return 1
    if text.isdigit():
        return int(text)
    digits = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", text)
    if digits:
        return int(digits.group(1))
    return ORDINALS.get(text, CARDINALS.get(text))


def _month_number(text: str) -> int:
    text = text.lower().rstrip(".")
    return (
        MONTHS.index(text) + 1
        if text in MONTHS
        else _MONTH_ABBREVIATIONS[text[:4] if text == "sept" else text[:3]]
    )


def _explicit(meeting: date, month: int, day: int) -> date | None:
    try:
        candidate = date(meeting.year, month, day)
    except ValueError:
        return None
    if (meeting - candidate).days > 60:  # "January 10th" said in December
        candidate = candidate.replace(year=meeting.year + 1)
    return candidate


def _day_only(meeting: date, day: int) -> date | None:
    try:
        return date(meeting.year, meeting.month, day)
    except ValueError:
        return None


Resolver = Callable[[re.Match[str], date], "date | None"]


def _same_day(match: re.Match[str], meeting: date) -> date | None:
    return meeting


def _plus(days: int) -> Resolver:
    return lambda match, meeting: meeting + timedelta(days=days)


def _no_date(match: re.Match[str], meeting: date) -> date | None:
    return None


def _weekday_index(match: re.Match[str]) -> int:
    return WEEKDAYS.index(match["weekday"].lower())


def _next_weekday(match: re.Match[str], meeting: date) -> date | None:
    monday_next_week = meeting - timedelta(days=meeting.weekday()) + timedelta(days=7)
    return monday_next_week + timedelta(days=_weekday_index(match))


def _this_weekday(match: re.Match[str], meeting: date) -> date | None:
    weekday = _weekday_index(match)
    if weekday > meeting.weekday():
        return meeting + timedelta(days=weekday - meeting.weekday())
    return _weekday_after(meeting, weekday)


def _bare_weekday(match: re.Match[str], meeting: date) -> date | None:
    return _weekday_after(meeting, _weekday_index(match))


def _day_of_this_month(match: re.Match[str], meeting: date) -> date | None:
    day = _number(match["day"])
    return _day_only(meeting, day) if day else None


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_ORDINAL_DAY = _alternation([k for k in ORDINALS if k != "zeroth"])
_RULES: list[tuple[re.Pattern[str], Resolver]] = [
    (_p(r"(?:the )?day after tomorrow"), _plus(2)),
    (_p(r"(?:first thing )?tomorrow(?: morning| afternoon| evening| night)?"), _plus(1)),
    (
        _p(
            r"right after this(?: meeting| call)?|(?:right )?after (?:this|the) (?:meeting|call)|"
            r"(?:later )?today|tonight|this (?:morning|afternoon|evening)|after lunch|"
            r"(?:the )?end of (?:the )?day|eod|close of business"
        ),
        _same_day,
    ),
    (_p(rf"next {_WEEKDAY}"), _next_weekday),
    (_p(rf"this (?:coming )?{_WEEKDAY}"), _this_weekday),
    (_p(r"(?:the )?end of next week"), lambda m, d: _friday(d, 1)),
    (_p(r"(?:the )?end of (?:the |this )?(?:work ?)?week"), lambda m, d: _friday(d)),
    (_p(r"(?:the )?end of next month"), lambda m, d: _month_end(d.year, d.month + 1)),
    (_p(r"(?:the )?end of (?:the |this )?month"), lambda m, d: _month_end(d.year, d.month)),
    (
        _p(r"(?:the )?end of (?:the |this )?quarter"),
        lambda m, d: _month_end(d.year, (d.month - 1) // 3 * 3 + 3),
    ),
    (_p(r"(?:the )?end of (?:the |this )?year"), lambda m, d: date(d.year, 12, 31)),
    (
        _p(
            r"(?:in|within|over) the next (?:few|couple of|two|three) (?:days|weeks)|"
            r"(?:sometime |some time )?(?:this|next) week|soon|asap|"
            r"as soon as (?:possible|\w+(?: \w+){0,4})|(?:no|any) promises|at some point|"
            r"eventually|someday|when i can"
        ),
        _no_date,
    ),
    (
        _p(
            rf"(?:in|within|give me|after) (?:about |another )?{_COUNT} (?P<unit>days?|weeks?)"
            r"(?: from (?:now|today))?"
        ),
        lambda m, d: _in(m, d),
    ),
    (_p(rf"{_COUNT} (?P<unit>days?|weeks?) from (?:now|today)"), lambda m, d: _in(m, d)),
    (_p(r"(?P<y>20\d\d)-(?P<mo>\d\d)-(?P<dd>\d\d)"), lambda m, d: _iso(m)),
    (_p(rf"{_MONTH} (?:the )?{_DAY}"), lambda m, d: _month_day(m, d)),
    (_p(rf"(?:the )?{_DAY} of {_MONTH}"), lambda m, d: _month_day(m, d)),
    (
        # "by the twenty-second", but not "on the first day": no noun may follow the ordinal.
        _p(
            rf"(?:by|on|before|until|till|for) the (?P<day>{_ORDINAL_DAY}|\d{{1,2}}(?:st|nd|rd|th))"
            r"(?![ -]+(?!of\b|at\b)[a-z])"
        ),
        _day_of_this_month,
    ),
    (_p(rf"{_WEEKDAY}s?"), _bare_weekday),
]


def _in(match: re.Match[str], meeting: date) -> date | None:
    count = _number(match["count"]) if match["count"] else None
    unit = match["unit"] or ""
    if count is None:
        return None
    return meeting + timedelta(days=count * (7 if unit.startswith("week") else 1))


def _iso(match: re.Match[str]) -> date | None:
    try:
        return date(int(match["y"]), int(match["mo"]), int(match["dd"]))
    except ValueError:
        return None


def _month_day(match: re.Match[str], meeting: date) -> date | None:
    if match["month"].lower() == "may" and not match["day"]:
        return None
    day = _number(match["day"])
    if day is None or not 1 <= day <= 31:
        return None
    return _explicit(meeting, _month_number(match["month"]), day)


def find_times(text: str, meeting: date) -> list[TimeExpression]:
    """Every time expression in ``text``, left to right; longer matches win overlaps."""
    found: list[TimeExpression] = []
    for pattern, resolve in _RULES:
        for match in pattern.finditer(text):
            resolved = resolve(match, meeting)
            found.append(TimeExpression(match.group(0), match.start(), match.end(), resolved))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[TimeExpression] = []
    for expression in found:
        if kept and expression.start < kept[-1].end:
            continue
        kept.append(expression)
    return kept


def due_date(text: str, meeting: date) -> TimeExpression | None:
    """The time expression that sets a deadline in ``text``: the last one said."""
    times = find_times(text, meeting)
    return times[-1] if times else None
