"""The words speaker naming reads: greetings, thanks, hand-overs, answers, and non-names.

Each list describes a kind of utterance (a greeting, a question to someone, an answer), never a
line of any meeting; ``naming.py`` says how each kind counts as evidence.
"""

from __future__ import annotations

import re

NOT_NAMES = frozenset(
    """
    hi hey hello hiya bye goodbye cheers cheerio thanks thank morning afternoon evening night ok
    okay yes yeah yep yup no nope sure right alright righto great perfect wonderful fine cool
    nice good awesome sorry oh ah um uh hmm mm ha haha wow ugh yikes whoa oops gotcha roger
    bingo bravo wait well look listen honestly actually anyway everyone everybody folks guys
    team all there sir madam monday tuesday wednesday thursday friday saturday sunday january
    february march april june july august september october november december today tomorrow
    yesterday tonight weekend god christmas easter mr mrs ms miss dr doctor professor prof st
    saint father mother sister brother uncle aunt auntie agenda item items update updates
    question questions status summary recap notes minutes action actions topic
    """.split()
)  # titles too: in "Father Declan" the name is the next word
# Words that may come before a vocative at the start of a sentence ("Okay, so, Jen, ...").
LEAD = frozenset(
    """
    and so okay ok oh um uh right great alright well now then but also yeah yes sure perfect
    good cool hmm wait sorry ah nice fine awesome first next actually look listen hey hi hello
    morning everyone all there folks guys team thanks lovely excellent shoot
    """.split()
)
GREET = frozenset("hi hey hello hiya morning afternoon evening welcome".split())
THANK = frozenset("thanks cheers bye goodbye congrats congratulations".split())
NOT_NAMES |= LEAD | GREET | THANK
SELF = {("i", "'m"), ("i", "am"), ("name", "is"), ("name", "'s"), ("call", "me")}
HANDOVER_BEFORE = [
    ("over", "to", "you"), ("go", "ahead"), ("your", "turn"), ("how", "about", "you"),
    ("what", "about", "you"), ("you", "think"), ("floor", "is", "yours"),
]  # fmt: skip
HANDOVER_AFTER = [
    ("over", "to", "you"), ("you", "'re", "up"), ("go", "ahead"), ("your", "turn"),
    ("you", "want", "to"), ("do", "you", "want"),
]  # fmt: skip
MODALS = frozenset("can could would will do did are were have".split())
TO_YOU = frozenset("you your where what how when why any anything".split())
THIRD = frozenset("she he they her his him their".split())
REQUEST = re.compile(r"\b(?:(?:can|could|would|will|do|did|are) you|please|what|how|any)\b")
ANSWER = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|no|nope|absolutely|of course|will do|on it|i can|i will|"
    r"i'll|i've|i'm|i am|i think|i did|not yet|so|um|uh|mm|hmm|okay|ok|right)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A word without its clitics: "Hannah's" is "Hannah", "I'll" is "I", "O'Neill" stays whole.
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:'(?!(?:s|m|d|ll|re|ve|t)\b)[^\W\d_]+)*")
END = frozenset(".?!")
NOT_PEOPLE = frozenset("DATE TIME MONEY PERCENT QUANTITY ORDINAL CARDINAL NORP LANGUAGE".split())
