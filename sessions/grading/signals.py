"""What the offline grader notices about an answer's form, before it counts any words.

Word overlap cannot tell an explanation from a list of the right words, a statement from its
negation, or an answer from a message to the grader. These checks find the three, so the
grader can cap the score and hand the answer to a person instead of rewarding it.
"""

import re
import unicodedata

from assessments.content.subject.vocabulary import WORD

# Letters from other scripts that look like Latin ones ("ignore the rubric" written with a
# Cyrillic i): code point (hex) and the Latin letter it imitates.
_LOOK_ALIKE_CODES = """
    0430:a 0435:e 043e:o 0440:p 0441:c 0443:y 0445:x 0456:i 0458:j 0455:s 0501:d 04cf:l 0261:g
    0410:A 0412:B 0415:E 041a:K 041c:M 041d:H 041e:O 0420:P 0421:C 0422:T 0425:X 0406:I 0408:J
    0405:S 03bf:o 03b1:a 03b5:e 03b9:i 043a:k 03bd:n 03c1:p 03c4:t 03c5:u 03c7:x 0391:A 0392:B
    0395:E 0397:H 0399:I 039a:K 039c:M 039d:N 039f:O 03a1:P 03a4:T 03a5:Y 03a7:X
"""
_LOOK_ALIKES = str.maketrans(
    {int(code, 16): latin for code, latin in (p.split(":") for p in _LOOK_ALIKE_CODES.split())}
)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def plain(text: str) -> str:
    """Text as a reader sees it: compatibility forms folded (fullwidth, ligatures), look-alike
    letters mapped to Latin, invisible characters dropped, lower case."""
    folded = unicodedata.normalize("NFKC", text).translate(_LOOK_ALIKES)
    return _INVISIBLE.sub("", folded).lower()


# --- addressed to the grader -------------------------------------------------------------------

_GRADER_NOUNS = r"grader|examiner|marker|evaluator|assessor|ai|assistant|chatbot|llm|gemini"
_GRADER = rf"(?:{_GRADER_NOUNS})"
_MARKS = r"(?:marks?|points?|score|credit|grade|a\+|100\s*%)"
_ADDRESSED = [
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        # "ignore the rubric", "disregard all previous instructions"
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:rubric|"
        r"instructions?|prompt|grading|reference answer|criteria|rules)\b",
        # "give me full marks", "award this answer 5 points", "grade me generously"
        # ("give the coordinates of two points" is geometry, not a plea: a plea names who gets
        # the marks or how many)
        rf"\b(?:give|award|grant|assign)\s+(?:me|us|this answer|my answer|it|this)\b"
        rf"[^.\n]{{0,30}}?\b{_MARKS}",
        rf"\b(?:give|award|grant|assign|deserves?|earns?)\s+(?:(?:it|this|me|us)\s+)?"
        rf"(?:the\s+)?(?:full|maximum|max|top|perfect|\d+(?:\.\d+)?(?:\s*/\s*\d+)?)\s*{_MARKS}",
        r"\b(?:score|mark|grade|rate|pass)\s+(?:me|this answer|my answer)\b",
        r"\b(?:full|maximum|max|top|perfect)\s+(?:marks|credit|points)\b|\bperfect score\b",
        # "as the grader you ...", "you are an AI", "dear examiner", "Grader: ..."
        r"\bas (?:the |an? |my )?(?:grader|examiner|marker|evaluator|assessor)\b",
        rf"\b(?:you are|you're)\s+(?:now\s+)?(?:the |an? |my )?(?:{_GRADER_NOUNS}|model)\b",
        rf"\b(?:dear|hey|hello|hi)\s+(?:the |my )?{_GRADER}\b",
        r"\bnote to (?:the )?" + _GRADER,
        r"^\s*(?:grader|examiner|marker|evaluator)\s*[:,]",
        r"^\s*(?:system|assistant|developer)\s*(?:prompt|message|note)?\s*:",
        # "I am a member of staff", "this is the instructor speaking"
        r"\b(?:i am|i'm|this is)\s+(?:a |an |the |your )?(?:member of )?(?:staff|teacher|"
        r"instructor|professor|lecturer|tutor|ta|admin|administrator|grader|examiner)\b",
        # tags that try to end the answer's delimiter or open a new one
        r"</?\s*(?:candidate_answer|answer|question|system|instructions?)\b",
    )
]


def addresses_the_grader(answer: str) -> bool:
    """The answer talks to whoever grades it: asks for marks, gives instructions, claims to be
    staff, or tries to close the block it was sent in."""
    text = plain(answer)
    return any(pattern.search(text) for pattern in _ADDRESSED)


# --- a list of terms, not sentences ------------------------------------------------------------

# Closed-class words that hold a sentence together; "and"/"or" are left out (lists use them).
_FUNCTION_WORDS = frozenset(
    """
    a an the is are was were be been being am of to in on at by for with from into onto upon
    that which who whom whose it its this these those they them their there as has have had
    do does did can could will would should may might must shall when where how why if than
    then so because while whereas each every all some any not no never he she we you i his her
    our your my one ones what such only also
    """.split()
)
_SEPARATORS = re.compile(r"[,;:\n•·|/]|\s[-\u2013\u2014*]\s|^\s*[-\u2013\u2014*]\s", re.M)
_LIST_ITEM_WORDS = 3  # items this short, separated by commas or lines, make a list
_SENTENCE_END = re.compile(r"[.!?]\s*$")


def is_term_list(text: str) -> bool:
    """Terms strung together rather than said in sentences: "merge sort, divide, O(n log n)",
    or words with nothing holding them together ("sigmoid softmax gradient descent")."""
    words = [word.lower() for word in WORD.findall(plain(text))]
    if not words:
        return False
    function_share = sum(word in _FUNCTION_WORDS for word in words) / len(words)
    items = [WORD.findall(item.lower()) for item in _SEPARATORS.split(plain(text))]
    items = [item for item in items if item]
    if len(items) >= 3 and function_share < 0.2 and not any(map(_is_clause, items)):
        lengths = sorted(len(item) for item in items)
        if lengths[len(lengths) // 2] <= _LIST_ITEM_WORDS:
            return True
    return len(words) >= 2 and function_share == 0 and not _SENTENCE_END.search(text)


def _is_clause(words: list[str]) -> bool:
    """An item long enough and held together enough to say something ("and execute processes
    via calls to system routines"), as a list entry does not."""
    return len(words) >= 5 and any(word in _FUNCTION_WORDS for word in words)


# --- negation ----------------------------------------------------------------------------------

_NEGATIONS = frozenset(
    "not no never none nothing neither nor cannot nowhere nobody isn't aren't wasn't weren't "
    "doesn't don't didn't can't couldn't won't wouldn't shouldn't hasn't haven't hadn't".split()
)


def negations(text: str) -> int:
    """How many times the text negates something, counting "non-negative" as one."""
    count = 0
    for word in WORD.findall(plain(text).replace("\u2019", "'")):
        if word in _NEGATIONS or word.endswith("n't") or word.startswith("non"):
            count += 1
    return count


def negates(answer: str, reference: str) -> bool:
    """The answer negates more than the reference does: "X is not …" where the reference says
    "X is …". A faithful answer may word a negation differently ("no negative weights" for
    "nonnegative"), so only the count is compared, never the words."""
    return negations(answer) > negations(reference)
