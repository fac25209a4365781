"""Turning spoken words into short written ones: clauses, base forms, tasks and decision texts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from daemon.summarize.centrality import content_words
from daemon.summarize.cues import FILLER, SPLIT_DELIVERABLES, TRAILING
from daemon.summarize.dates import TimeExpression, find_times

CLAUSE_END = re.compile(
    r"(?:,\s*|\s+)(?:because|but|so that|so|since|which|although|though|while|unless|as long as|"
    r"otherwise|or else|and then I|cause)\b.*$|\s*,\s*(?:and\s+)?(?:I|we|you|it|they|he|she)\s.*$|"
    r",\s*or\b.*$|,\s*(?:the|a|an|this|that|these|those|my|our|your|his|her|their)\s+[\w' -]+?\s+"
    r"(?:will|is|are|was|were|'ll|should|can|has|have|won't|isn't)\b.*$",
    re.IGNORECASE,
)


def main_clause(vp: str) -> str:
    """The verb phrase up to where another clause starts ("..., because it lives in my head")."""
    return CLAUSE_END.sub("", vp.strip()).strip()


def last_dated(times: list[TimeExpression]) -> TimeExpression | None:
    return times[-1] if times else None


def due_in(text: str, meeting_date: date) -> TimeExpression | None:
    return last_dated(find_times(text, meeting_date))


def split_deliverables(vp: str, meeting_date: date) -> list[str]:
    """ "file a bug today and send a timeline by Friday" is two items; "review and merge it" one."""
    for joint in SPLIT_DELIVERABLES.finditer(vp):
        left, right = vp[: joint.start()], vp[joint.end() :]
        if find_times(left, meeting_date) and find_times(right, meeting_date):
            return [left, *split_deliverables(right, meeting_date)]
    return [vp]


IRREGULAR = {
    "done": "do",
    "made": "make",
    "sent": "send",
    "taken": "take",
    "written": "write",
    "set": "set",
}


def base_form(verb: str) -> str:
    verb = verb.lower()
    if verb in IRREGULAR:
        return IRREGULAR[verb]
    if verb.endswith("ied"):
        return verb[:-3] + "y"
    stem = verb[:-2] if verb.endswith("ed") else verb
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    if re.search(r"(?:at|iz|is|ag|as|ur|ov|ac|in|id|ir)$", stem) or stem.endswith(("v", "c")):
        return stem + "e"
    return stem


GERUND_KEEP_E = re.compile(r"(?:at|iz|ir|ov|ur|ac|id|in|ag|us|rs)$")


def gerund_to_base(word: str) -> str:
    if word.lower() == "going":
        return "go"
    if not word.endswith("ing") or len(word) <= 5:
        return word
    stem = word[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    if GERUND_KEEP_E.search(stem):
        return stem + "e"
    return stem


def gerund(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if re.search(r"[^aeiou][aeiou][bdgmnprt]$", verb) and len(verb) <= 4:
        return verb + verb[-1] + "ing"
    return verb + "ing"


def decision_phrase(text: str) -> str:
    text = FILLER.sub("", text.strip())
    # The outcome, not the reasons for it.
    text = re.sub(r",?\s+(?:because|since|given that|so that)\b.*$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+then(?=[;,.]|$)", "", text)
    text = re.sub(
        r";\s*(?:we'll|we will|we're going to)\s+(?:just\s+)?", "; ", text, flags=re.IGNORECASE
    )
    text = re.sub(
        r"^(?:so |then |okay |ok )*(?:we(?:'ve| have)? (?:decided|agreed)(?: to| that| on)?|"
        r"(?:we're|we are|we'll|we will) (?:just )?(?:going to )?|let's |starting (\w+(?: \w+)?),? "
        r"we(?:'re going to| will|'ll| are going to) |the decision is(?: to)? |final answer is )",
        lambda m: f"from {m.group(1)}, " if m.group(1) else "",
        text,
        flags=re.IGNORECASE,
    )
    text = re.sub(r"^we\s+(?=\w)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(?:go|going) with\b", "use", text, flags=re.IGNORECASE)
    tokens = text.split()
    # Only verbs that start a clause become base forms: "skipping the demo" but "soft opening".
    tokens = [
        gerund_to_base(t)
        if t.lower().endswith("ing")
        and (i == 0 or tokens[i - 1].lower() in ("and", "or", "then") or tokens[i - 1][-1] in ",;")
        else t
        for i, t in enumerate(tokens)
    ]
    phrased = " ".join(tokens)
    phrased = TRAILING.sub("", phrased).strip(" .,!;")
    if len(content_words(phrased)) > 8:
        # A paraphrase of the outcome, not the whole sentence: keep the first clause.
        phrased = re.split(r",?\s+and\s+(?=[a-z]+\s)", phrased, maxsplit=1)[0]
    phrased = number_words_to_digits(phrased)
    return capitalise(phrased)


def number_words_to_digits(text: str) -> str:
    """Dates only ("May twenty-first" -> "May 21"); "two more engineers" reads better in words."""
    from daemon.summarize.dates import CARDINALS, MONTHS, ORDINALS

    numbers = {**CARDINALS, **ORDINALS}
    keys = "|".join(re.escape(k) for k in sorted(numbers, key=len, reverse=True))

    def replace(match: re.Match[str]) -> str:
        value = numbers.get(match.group(2).lower())
        return f"{match.group(1)} {value}" if value else match.group(0)

    return re.sub(rf"\b({'|'.join(MONTHS)}) ({keys})\b", replace, text, flags=re.IGNORECASE)


def strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "the ", text.strip(), flags=re.IGNORECASE)


def capitalise(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def clean_sentence(text: str) -> str:
    return capitalise(FILLER.sub("", text.strip()))


def clean_quote(text: str) -> str:
    return text.strip()


def join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
