"""The spoken cues the extractive summarizer listens for, as regular expressions.

Each pattern names one way people commit, ask, decline, hand over, cancel or decide in a
meeting. They are kept apart from the engine that uses them so that the vocabulary can be read,
reviewed and extended in one place; tests/test_summarize_rules.py holds an example of each.
"""

from __future__ import annotations

import re

# Words that start a sentence with a capital but are never a person's name.
NOT_NAMES = frozenset(
    """
        okay ok so and but hi hey hello thanks thank morning afternoon evening great perfect
        sure yes yeah yep no nope well right alright all good honestly actually wait oh ah
        um uh hmm also then now sorry cool nice fine awesome quick one next first last
        everyone everybody team guys folks friday monday tuesday wednesday thursday saturday
        sunday today tomorrow january february march april may june july august september
        october november december i we you they he she it this that what who why how when
        where which please let let's just anyway anything something nothing got will would
        could can should did do does is are was ha haha ugh wow hmmm mm like look listen
        basically seriously literally totally anyway meanwhile otherwise besides plus still
        though however someday sometimes maybe perhaps exactly absolutely definitely
        certainly obviously apparently hopefully luckily
    """.split()
)
PRONOUNS = r"(?:it|that|this|them|those|these|one)"
FIRST_PERSON = re.compile(
    r"\b(?:I(?:'ll| will| shall|'m going to| am going to|'m gonna| can)|let me)\s+"
    # Adverbs between the modal and the verb ("I'll gladly send", "I can probably do it"): any
    # -ly adverb (not the verbs that end so: "I'll reply"), and the few short ones that sit there.
    r"(?:(?:(?!(?:ap|re|sup|multi|com|al)?ply\b|rely\b|fly\b)[a-z]+ly|also|just|then|still|"
    r"go ahead and|first|now)\s+)*(?P<vp>[a-z][^.;!?]*)",
    re.IGNORECASE,
)
THIRD_PERSON = re.compile(
    r"\b(?P<name>[A-Z][a-z]+)(?:'ll| will| is going to| can take| is taking)\s+"
    r"(?P<vp>[a-z][^.;!?]*)|"
    r"^(?:\W*(?i:so|and|okay|then)\W+)*(?P<recap>[A-Z][a-z]+) to (?P<recap_vp>[a-z][^.;!?]*)"
)
REQUEST = re.compile(
    r"\b(?:(?:can|could|would|will) (?:you|someone|somebody|anyone|one of you)|"
    r"does (?:anyone|someone) want to|who (?:can|wants to|could))\s+"
    r"(?:please\s+|also\s+|just\s+)*(?P<vp>[a-z][^?.;!]*)",
    re.IGNORECASE,
)
IMPERATIVE_TO_NAME = re.compile(
    r"^(?P<name>[A-Z][a-z]+),\s+(?:(?:just|please|also)\s+)*(?P<vp>(?!you\b|can\b|could\b|"
    r"would\b|will\b|are\b|is\b|do\b|did\b|how\b|what\b|where\b|when\b|why\b|who\b)[a-z][^?.;!]*)[.!]?$"
)
HAS_GOT = re.compile(
    r"\b(?P<name>[A-Z][a-z]+)(?:'s got| has got| has| owns| takes)\s+(?P<vp>the [^.;!?]*)"
)
PASSIVE_DUTY = re.compile(
    r"\b(?P<subject>it|this|that|the [a-z][a-z -]*?|[a-z]+)\s+(?:has|have|needs?|must)\s+"
    r"(?:to\s+)?be\s+"
    r"(?P<verb>[a-z]+ed)\b(?P<rest>[^.;!?]*)",
    re.IGNORECASE,
)
ACTION_MARKER = re.compile(
    r"\b(?:action items?|action list|to-?do list|put it on the list|someone (?:needs|has) to|"
    r"somebody (?:needs|has) to)\b",
    re.IGNORECASE,
)
NOT_ACTIONS = re.compile(
    r"^(?:think|defer|guess|bet|be\b|admit|say|tell you what|leave|pass|see\b|see what|imagine|"
    r"hear|understand|relate|live with|try\b|help\b|stop\b|talk\b|ask\b|start\b|keep it|"
    r"just say|remember|promise|agree|take that back|do my best|get started|go\b|mention|"
    r"put it this way|be honest|have to|need to|want to|tell\b|kill time|double down)",
    re.IGNORECASE,
)
NEGATED = re.compile(
    r"\b(?:don't|do not|doesn't|not sure|doubt|wish|hope|wonder whether|no way)\b[^,.]*$",
    re.IGNORECASE,
)
CONDITIONAL = re.compile(r"\b(?:if|unless|in case|whether)\b[^,]*$", re.IGNORECASE)
ACCEPT = re.compile(
    r"^(?:\W*(?:uh|um|oh|well|so|and|yeah|okay|ok)\W+)*"
    r"(?:sure|yes|yeah|yep|yup|of course|absolutely|definitely|no problem|will do|on it|happy to|"
    r"can do|sounds good|i can|i will|i'll|consider it done|okay|ok|you got it|got it|fine|"
    r"i'm on it|leave it with me|i'm all over it|count me in|put me down|sign me up|sure thing|"
    r"i've got it|i got it|no worries|i'd be happy to|i'll take it|my pleasure|"
    r"[a-z]+ (?:[a-z]+ )?(?:works|is fine),? yes|next \w+,? yes|\w+,? yes)\b",
    re.IGNORECASE,
)
DECLINE = re.compile(
    r"\b(?:i can try,? but|i can't|i cannot|i don't think i can|i won't be able|not sure i can|"
    r"i'm (?:kind of |really |a bit )?(?:underwater|swamped|slammed|overloaded)|no,? sorry|"
    r"i'd rather not|can't take)\b",
    re.IGNORECASE,
)
RELEASE = re.compile(
    r"\bi (?:don't think i can|"
    r"(?:really |just |honestly |probably )?(?:can't|cannot|won't be able to)|"
    r"won't have time to)\s+(?:really\s+)?(?:get to|do|make|handle|take|manage|finish)\s+"
    r"(?:it|that|this|them|those|the [a-z][a-z -]*)\b",
    re.IGNORECASE,
)
CANCEL = re.compile(
    r"\b(?:scratch|cancel|forget(?: about)?|never ?mind|don't bother with|no need for)\s+"
    r"(?P<object>(?:the|that|this|it|those|them)\b[^.;!?,]*)",
    re.IGNORECASE,
)
DECISION = re.compile(
    r"\b(?:we(?:'ve| have)? (?:decided|agreed)(?: to| that| on)?|(?:it's|it is) decided|"
    r"the decision is|final answer is|(?:we're|we are|we'll|let's) (?:go(?:ing)? with|"
    r"skip(?:ping)?|drop(?:ping)?|switch(?:ing)? to|mov(?:e|ing) to|cancel(?:ling)?|"
    r"postpon(?:e|ing)|"
    r"push(?:ing)?|stick(?:ing)? with|keep(?:ing)? the|use|using)|we'll (?:just )?use|"
    r"let's (?:do|make it|move|drop|cut|hold|keep|switch|use|push|scrap|ditch|kill|cancel|"
    r"go ahead)|"
    r"we go with|(?:that's|it's|it is) (?:settled|a deal|final|official)|done deal|locked in|"
    r"(?:we're|we are) good to go|good to go with|"
    r"(?:^|[,.]\s*)(?:then |so |okay,? )*(?:starting|beginning|effective|from) "
    r"(?:next |this |on )?\w+"
    r"(?: \w+)?,\s*(?!I\b)\w+|"
    r"\b\w+(?:'s)? (?:moves|is moving|gets moved|is moved|shifts|is pushed|gets pushed) to|"
    r"from now on|going forward|(?:is|are) officially|no more)\b",
    re.IGNORECASE,
)
IT_IS = re.compile(r"^(?P<what>[A-Z0-9][\w ,'-]{1,40}?) it is[.!]?$")
NOT_DECISION = re.compile(
    r"\b(?:let's not|not decide|hold off decid|decide later|let's get (?:into|going|started)|"
    r"let's go quick|let's keep it (?:to|short|tight|quick)|let's start|let's make it quick|"
    r"let's see|let's talk|someday|not this (?:time|launch|quarter|month|year)|let's not go|"
    r"wish ?list|back ?burner|parking lot|park (?:it|that|this)|table (?:it|that|this)|revisit|"
    r"let's not settle|not settle|give me a (?:bit|minute|day))",
    re.IGNORECASE,
)
PROPOSAL = re.compile(
    r"\b(?:i'd like to|i was thinking(?: we)?|i'm thinking|how about|what if we|i propose|"
    r"i suggest|why don't we|shall we)\b\s*(?P<what>[^?.!;]*)",
    re.IGNORECASE,
)
OBJECTION_CALL = re.compile(
    r"\b(?:any objections?|does anyone have a problem|anyone object|everyone okay with|"
    r"are we all okay|any concerns)\b",
    re.IGNORECASE,
)
AGREE = re.compile(
    r"^(?:\W*(?:uh|um|oh|well|yeah)\W+)*(?:no objections?|works for me|fine|sounds (?:good|right|"
    r"great)|that's (?:good|fine|great)|agreed|yes|yeah|sure|no problem|no|same|ok|okay|"
    r"makes sense|i'm fine|that helps)",
    re.IGNORECASE,
)
UNCERTAIN = re.compile(
    r"\b(?:don't know|not sure|no idea|i'll find out|i'll check|good question|unclear|"
    r"haven't confirmed|hasn't confirmed|nobody knows|no clue|not yet)\b",
    re.IGNORECASE,
)
FILLER = re.compile(
    r"^(?:(?:okay|ok|so|and|then|great|alright|all right|right|well|um|uh|yes|yeah|perfect|"
    r"good|fine|honestly|actually|oh|hmm|now|also|but),?\s+)+",
    re.IGNORECASE,
)
TRAILING = re.compile(
    r"(?:,?\s+(?:too|as well|also|directly|though|then|please|myself|yourself|real quick|"
    r"right away|for sure|if that helps|instead|anyway|again|now|first))+\s*$",
    re.IGNORECASE,
)
SPLIT_DELIVERABLES = re.compile(r",?\s+and\s+(?:then\s+)?(?=[a-z]+\s)")
ANTECEDENT = re.compile(
    r"\b(?:the|our|your|their|his|her|my|this|that)\s+(?P<np>(?:[a-z][\w'-]*\s+){0,3}[a-z][\w'-]*)",
    re.IGNORECASE,
)
NP_STOP = re.compile(
    r"\s+(?:is|are|was|were|has|have|had|will|would|can|could|should|that|which|who|for|to|in|on|"
    r"at|by|with|from|of|and|but|or|so|because|it|isn't|aren't|still|just|again|we|they|i|you|he|"
    r"she|about|last|this|that|yesterday|today)\b.*$",
    re.IGNORECASE,
)
FIND_OUT = re.compile(
    r"^(?:find out|check|look into (?:it|that|this)|find that out|check on (?:it|that)|ask around)"
    r"(?:\s+and\s+(?:get back to|let)\s+\w+(?:\s+know)?)?$",
    re.IGNORECASE,
)
MARKED = re.compile(
    r"\b(?:action item|to-?do)(?: for (?P<name>[A-Z][a-z]+))?\s*[:,-]\s*"
    r"(?:(?P<name2>[A-Z][a-z]+) (?:to|will|should)\s+)?(?P<vp>[a-z][^.!?;]*)",
    re.IGNORECASE,
)
REDATE = re.compile(
    r"\b(?:make (?:it|that)|push (?P<what>it|that|the [a-z]+(?: [a-z]+)?) (?:to|until|back to)|"
    r"move (?:it|that) to|change (?:it|that) to|can (?:we|you) (?:do|have) (?:it|that))\b",
    re.IGNORECASE,
)
EVENT = re.compile(
    r"\b(?:the|our|our next|next) (?P<event>[a-z]+(?: [a-z]+)??)(?:'s| is| will be| ends| closes| "
    r"is due| starts| happens| falls| wraps up| is set for| is scheduled for| is now| moves to|"
    r" is on|"
    r" on)\s+",
    re.IGNORECASE,
)
BY_EVENT = re.compile(
    r"\b(?:by|before|until|ahead of|for) (?:the |our |next |our next )?(?:end of (?:the )?)?"
    r"(?P<event>[a-z]+(?: [a-z]+)?)\b",
    re.IGNORECASE,
)
TAKE = re.compile(
    r"^(?:take over|take|handle|cover|pick up)\s+(?P<object>(?!care of\b)(?!it\b)(?!that\b).+?)"
    r"(?:\s+off\s+\w+(?:'s)?\s+plate|\s+from\s+\w+)?$",
    re.IGNORECASE,
)
VOLUNTEER = re.compile(
    r"\b(?:put me down for|count me in for|sign me up for|i'll take care of|i'll volunteer to|"
    r"i volunteer to|i'll handle)\s+(?P<vp>(?!it\b|that\b|this\b)[a-z][^.;!?]*)",
    re.IGNORECASE,
)
SOMEONE_MUST = re.compile(
    r"\b(?:somebody|someone|one of us)\s+(?P<must>has to|needs to|must|should|ought to)\s+"
    r"(?:really\s+|probably\s+)?(?P<vp>[a-z][^.;!?]*)",
    re.IGNORECASE,
)
CONFIRMS_DUTY = re.compile(
    r"\b(?:action (?:items?|list)|on the list|to-?do|needs to happen|has to happen|agreed|"
    r"good (?:call|point)|let's do that|put it down|add it)\b",
    re.IGNORECASE,
)
ON_BEHALF = re.compile(
    r"\b(?:my (?:guys|team|crew|folks|people|assistant|department)|the crew)(?:'ll| will)\s+"
    r"(?P<vp>[a-z][^.;!?]*)",
    re.IGNORECASE,
)
