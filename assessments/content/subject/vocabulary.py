"""The words that tell running a course apart from what it teaches, and the word-level helpers
(lemmas from simplemma, word frequencies from wordfreq) the other modules share.

Both libraries ship their data inside the wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache

import simplemma
from wordfreq import zipf_frequency

WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")

# Tools and platforms a course is run on. Any mention makes a sentence logistics.
PLATFORMS = frozenset(
    """
    slack piazza canvas gradescope github gitlab latex overleaf zoom webex teams coursera edx
    udemy blackboard moodle brightspace d2l binder colab jupyterhub discord turnitin panopto
    printer printers printing kattis codegrade autograder mycourses sakai
    """.split()
)
# Lemmas that make a sentence about running the course, wherever it appears.
STRONG_LOGISTICS = (
    frozenset(
        """
    grade grading exam midterm quiz homework attendance absence absent plagiarism cheating
    collusion dishonesty misconduct fabrication accommodation disability disabilities wellness
    instructor professor ta tas textbook isbn edition copyright publisher syllabus semester
    enroll enrolled enrollment registration submit submission deadline participation classtime
    recess appointment handbook catalog webpage website harassment discrimination counseling
    email e-mail voicemail extension penalty penalties tuition proctor proctored prerequisite
    prerequisites pre-requisite pre-requisites
    """.split()
    )
    | PLATFORMS
)
# Lemmas that only weigh when they come together, and only outside a subject heading:
# "assignments" is a topic in a C course, "projects and assignments are due" is not.
WEAK_LOGISTICS = frozenset(
    """
    assignment project lecture reading announcement schedule policy lab class student credit
    course room office hour week weekly mark marks score point late
    """.split()
)
STRONG_PHRASES = re.compile(
    r"\boffice hours?\b|\btitle ix\b|\bacademic (?:integrity|honesty)\b|\blate (?:work|"
    r"submissions?|penalt\w+|days?|policy)\b|\bdue\b(?! to\b)|\bno class\b|\bteaching "
    r"assistants?\b|\bproblem sets?\b|\bfinal project\b|\bgroup project\b|\bcredit hours?\b|"
    r"\bcredits\b|\bby appointment\b|\breading (?:week|day)\b|\bspring break\b|^course title\b"
    r"|\bprior knowledge\b|\b(?:spring|summer|autumn|fall|winter)\s*\(?\d{4}\b",
    re.I,
)
CONTACT = re.compile(
    r"https?://|www\.|\S+@\S+\.\w+"  # links and addresses
    r"|\b\d{3}[-.]\d{4}\b|\bx\d{4}\b"  # phone numbers and extensions
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"  # clock times
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b"
    r"|\b(?:room|building|hall)\s+[A-Z]?\d"
    r"|\d\s*%",  # weights
    re.I,
)
# Heading words, checked in this order: a strong subject word wins ("Learning Outcomes"), then
# a logistics word ("Exam Schedule"), then a weak subject word ("Tentative Schedule").
STRONG_SUBJECT_HEADING = frozenset(
    "description topic outline content objective outcome goal overview summary learning aim".split()
)
LOGISTICS_HEADING = (
    frozenset(
        """
    grading grade assessment weight exam midterm quiz homework assignment project policy
    integrity honesty dishonesty plagiarism attendance absence late accommodation disability
    accessibility office hour contact instructor ta staff email phone location room credit
    prerequisite pre-requisites requirement textbook text material reading resource
    pre-requisite ressources bibliography reference administrative logistics communication wellness
    statement change submission deadline participation information when where
    excuse medical
    """.split()
    )
    | PLATFORMS
)
WEAK_SUBJECT_HEADING = frozenset("schedule calendar week plan lecture unit module".split())
# Schedule entries that are the course's events, not its subject.
NON_TOPICS = frozenset(
    """
    introduction intro overview review recap summary conclusion wrap-up midterm final exam
    presentation presentations tbd tba holiday break recess reading no class project quiz test
    catch-up q&a welcome orientation revision
    """.split()
)
STOPWORDS = frozenset(
    """
    a an the and or of in on for to with by from at as into over under between about its their
    this that these those is are be via vs e.g i.e etc ii iii iv i v
    """.split()
)
# Course codes and terms: "CSC 217", "CS-231 Spring 2019", "Syllabus (Autumn 2025)".
COURSE_IDENTITY = re.compile(
    r"\b[A-Z]{2,5}\s?-?\s?\d{3,5}\b|\b(?:spring|summer|autumn|fall|winter)\s*\(?\d{4}\b", re.I
)
# More common than this in English (Zipf scale), a single word is not a topic: "minutes".
COMMON_WORD_ZIPF = 5.2


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word.lower(), lang="en")


def lemmas(text: str) -> list[str]:
    return [lemma(word) for word in WORD.findall(text)]


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    return zipf_frequency(word.lower(), "en")


def content_words(text: str) -> list[str]:
    return [word for word in WORD.findall(text) if word.lower() not in STOPWORDS]


def is_specialised(phrase: str) -> bool:
    """At least one word rarer than everyday English: "perplexity" is a topic, "minutes" not."""
    words = content_words(phrase)
    return bool(words) and min(zipf(word) for word in words) < COMMON_WORD_ZIPF
