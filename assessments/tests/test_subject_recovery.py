"""More subject matter, recovered honestly, and the short answers written from it.

Plain pytest, no database. The snippets are lines of real syllabi: the three samples (their
text is quoted here so the tests run without the PDFs) and the unseen ones of
golden/unseen_syllabi.json.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from assessments.content import GenerationOptions, generate_offline, validate_content
from assessments.content.item_rules import option_key
from assessments.content.kinds import (
    COVERED,
    DESCRIBE_SHORT,
    OUTSIDER,
    RELATE_SHORT,
    TOPIC_SHORT,
    KindWriter,
)
from assessments.content.kinds.shorts import definition_clauses, running
from assessments.content.kinds.vocabulary import OTHER_COURSES_TOPICS
from assessments.content.subject import BlockKind, subject_matter
from assessments.content.subject.classify import schedule_topic
from assessments.content.subject.topics import inline_lists

UNSEEN = json.loads((Path(__file__).parent / "golden" / "unseen_syllabi.json").read_text())

LIN7076_DESCRIPTION = """Course Description: This module introduces students to the basic \
linguistic ideas needed for computational processing of text (morphology, syntax, semantics, \
discourse cohesion) and to how their properties can be understood computationally.
"""
CSC217_OBJECTIVES = """Course Objectives
By the end of the course, students should be proficient at:
1. Single Variable Explorations: Examine a single variable, understand its underlying
distribution, and choose the appropriate summary statistics for it.
2. Pair-Wise Exploration: Identify possible relationships between variables and compute
correlations and linear fits.
3. Estimation and Hypothesis Testing: Understand the following three questions when
reporting statistical results: 1) How big is the effect? 2) How much variability should we
expect if we run the same measurement again? 3) Is it possible that the apparent effect is
due to chance?
4. Visualization: Use data visualization as a tool for examining data and communicating
results
"""
CS231_TOPICS = """Course Topics:
• Imperative programming paradigm in C:
\u2013 Basic expression and statements: comments, constants, literals, variables
and assignments.
\u2013 Control flow: conditional statements and iteration statements.
\u2013 Pointers and memory management.
\u2013 Structures and abstract data types.
• Functional programming paradigm in Haskell:
\u2013 Basic types and definitions: booleans, integers, characters.
\u2013 Higher-order functions: functions as arguments, function compositions,
expressions for functions.
\u2013 Lazy evaluation.
"""
LIN7076_WEEKS = """Course schedule:
• Week 2 (30/09/2025): n-gram language models
\u2013 the Markov assumption, probability estimation, perplexity.
• Week 3 (07/10/2025): naive Bayes
\u2013 the Naive Bayes classifier, precision, recall, F-score.
• Week 5 (21/10/2025): logistic regression
\u2013 the sigmoid function, the softmax function (for multiclass logistic regression), \
gradient descent
• Week 6 (28/10/2025): vector semantics
\u2013 word vectors, cosine similarity, TF-IDF, word2Vec
• Week 10 (25/11/2025): recurrent networks
\u2013 RNNs, LSTMs, attention
• Week 11 (02/12/2025): large language models
\u2013 architectures, language generation, prompting
"""


def groups(text: str) -> dict[str, Any]:
    return {group.name: group for group in subject_matter(text).topic_groups}


def names(group: Any) -> list[str]:
    return [topic.name for topic in group.topics]


def writer(text: str, difficulty: str = "medium", short_points: int = 5) -> KindWriter:
    return KindWriter(
        text=text,
        matter=subject_matter(text),
        difficulty=difficulty,
        mcq_points=1,
        short_points=short_points,
        rng=random.Random(3),
    )


# --- Lists named in prose ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "topics"),
    [
        (
            "This module introduces students to the basic linguistic ideas needed for "
            "computational processing of text (morphology, syntax, semantics, discourse "
            "cohesion) and to how their properties can be understood computationally.",
            "basic linguistic ideas needed for computational processing of text",
            ["Morphology", "Syntax", "Semantics", "Discourse cohesion"],
        ),
        (
            "This course is an introduction to the practical tools of probability and "
            "statistics, including but not limited to descriptive statistics, probability "
            "theory, random variables and estimation, hypothesis testing and regression.",
            "practical tools of probability and statistics",
            [
                "Descriptive statistics",
                "Probability theory",
                "Random variables and estimation",
                "Hypothesis testing",
                "Regression",
            ],
        ),
        (
            "Imperative paradigm topics include: data representation, dynamic structures, "
            "parameter passing, memory management, and I/O.",
            "Imperative paradigm",
            [
                "Data representation",
                "Dynamic structures",
                "Parameter passing",
                "Memory management",
                "I/O",
            ],
        ),
        (
            "Students will learn about the economic concepts of supply and demand, market "
            "structures, consumer and producer behavior, pricing strategies, and welfare "
            "economics.",
            "economic concepts",
            [
                "Supply and demand",
                "Market structures",
                "Consumer and producer behavior",
                "Pricing strategies",
                "Welfare economics",
            ],
        ),
    ],
)
def test_a_list_named_in_a_sentence_is_a_topic_group_named_by_its_head(
    sentence: str, name: str, topics: list[str]
) -> None:
    [(found_name, kind, members)] = inline_lists(sentence, 0, len(sentence))

    assert (found_name, kind) == (name, "inline")
    assert [topic.name for topic in members] == topics
    assert all(topic.excerpt == sentence for topic in members)


def test_a_list_introduced_by_topics_alone_belongs_to_the_course_description() -> None:
    sentence = (
        "Topics covered include the scientific method, biological aspects of psychology, "
        "sensation and perception, altered states of consciousness, memory, motivation."
    )

    [(name, kind, members)] = inline_lists(sentence, 0, len(sentence))

    assert (name, kind) == ("course description", "description")
    assert names_of(members)[:2] == ["Scientific method", "Biological aspects of psychology"]


@pytest.mark.parametrize(
    "sentence",
    [
        # adjectives sharing one noun, not topics
        "Topics include biochemical, structural, metabolic, and genetic aspects of cells.",
        # two items are no list
        "The course uses tools such as Python and R.",
        # a list of sentences
        "Students will, for example, write a report, give a talk, and meet their tutor weekly.",
    ],
)
def test_sentences_that_list_no_topics_give_no_group(sentence: str) -> None:
    assert inline_lists(sentence, 0, len(sentence)) == []


def names_of(members: list[Any]) -> list[str]:
    return [member.name for member in members]


def test_the_lin7076_description_gives_its_linguistic_ideas_as_a_list() -> None:
    found = groups(LIN7076_DESCRIPTION)

    assert names(found["basic linguistic ideas needed for computational processing of text"]) == [
        "Morphology",
        "Syntax",
        "Semantics",
        "Discourse cohesion",
    ]


# --- Labelled sub-lists, schedules, modules ---------------------------------------------------


def test_a_labelled_bullet_is_also_a_list_of_its_own_under_its_parent() -> None:
    found = groups(CS231_TOPICS)

    assert names(found["Basic expression and statements"]) == [
        "Comments",
        "Constants",
        "Literals",
        "Variables and assignments",
    ]
    assert found["Basic expression and statements"].parent == "Imperative programming paradigm in C"
    assert names(found["Higher-order functions"]) == [
        "Functions as arguments",
        "Function compositions",
        "Expressions for functions",
    ]
    assert "Comments" in names(found["Imperative programming paradigm in C"])


@pytest.mark.parametrize(
    ("row", "topic"),
    [
        (
            "Jan 18 Chemical Basis of life Chap 2.1 R lab: Bring a computer",
            "Chemical Basis of life",
        ),
        (
            "Apr 05 Mendel and Intro to genetics Chap 14 \u2013 14.3 Mitosis/Meiosis lab",
            "Mendel and Intro to genetics",
        ),
        (
            "Week 1 Tuesday (Aug 27): Introduction to computational biology.",
            "Introduction to computational biology",
        ),
        (
            "Week 2 Thursday (Sep 5): De novo genome assembly. Due at 11:59 pm: A01",
            "De novo genome assembly",
        ),
        ("• Week 2 (30/09/2025): n-gram language models", "n-gram language models"),
        ("3 February 13 Basic Probability I", "Basic Probability I"),
    ],
)
def test_schedule_rows_give_their_topic_without_date_reading_or_deadline(row: str, topic: str):
    assert schedule_topic(row) == topic


def test_rows_starting_with_a_month_are_schedule_rows() -> None:
    matter = subject_matter(UNSEEN["cell-biology-bio40"]["text"])
    rows = [e.block.text for e in matter.blocks if e.block.kind is BlockKind.SCHEDULE_ROW]
    schedule = next(group for group in matter.topic_groups if group.kind == "schedule")

    assert "Jan 30 Nucleic acids Chap 4" in rows
    assert {"Proteins", "Nucleic acids", "Photosynthesis I"} <= set(names(schedule))
    assert not any("Chap" in name or "exam" in name.lower() for name in names(schedule))


def test_a_module_row_makes_the_rows_under_it_a_list_of_its_own() -> None:
    found = groups(UNSEEN["computational-biology-biosc1540"]["text"])

    assert "Docking and virtual screening" in names(found["Computational structural biology"])
    assert "Docking and virtual screening" not in names(found["Bioinformatics"])
    assert names(found["Special-interest topics"]) == [
        "Proteomics",
        "Systems biology",
        "Bioimage analysis",
    ]


# --- Glosses ------------------------------------------------------------------------------------


def test_labelled_objectives_are_glosses_of_their_label() -> None:
    glosses = {d.term: d for d in subject_matter(CSC217_OBJECTIVES).definitions}

    assert set(glosses) == {
        "Single Variable Explorations",
        "Pair-Wise Exploration",
        "Estimation and Hypothesis Testing",
        "Visualization",
    }
    assert {d.kind for d in glosses.values()} == {"gloss"}
    assert glosses["Pair-Wise Exploration"].definition == (
        "Identify possible relationships between variables and compute correlations and linear fits"
    )
    pair = glosses["Pair-Wise Exploration"]
    assert CSC217_OBJECTIVES[pair.start : pair.end] == pair.sentence


def test_a_labelled_list_of_nouns_is_no_gloss() -> None:
    assert subject_matter(CS231_TOPICS).definitions == ()


@pytest.mark.parametrize(
    ("meaning", "kind", "clauses"),
    [
        (
            "Examine a single variable, understand its underlying distribution, and choose "
            "the appropriate summary statistics for it",
            "gloss",
            [
                "Examine a single variable",
                "understand its underlying distribution",
                "choose the appropriate summary statistics for it",
            ],
        ),
        (
            "Identify possible relationships between variables and compute correlations and "
            "linear fits",
            "gloss",
            [
                "Identify possible relationships between variables",
                "compute correlations and linear fits",
            ],
        ),
        (
            "Understand the following three questions when reporting statistical results: "
            "1) How big is the effect? 2) How much variability should we expect? 3) Is it "
            "possible that the apparent effect is due to chance?",
            "gloss",
            [
                "How big is the effect?",
                "How much variability should we expect?",
                "Is it possible that the apparent effect is due to chance?",
            ],
        ),
        (
            "scientific study of human behavior and the mental processes that underlie that "
            "behavior",
            "sentence",
            [
                "scientific study of human behavior and the mental processes",
                "that underlie that behavior",
            ],
        ),
        (
            "Use data visualization as a tool for examining data",
            "gloss",
            ["Use data visualization as a tool for examining data"],
        ),
    ],
)
def test_a_definition_is_cut_into_the_clauses_a_rubric_grades(
    meaning: str, kind: str, clauses: list[str]
) -> None:
    assert definition_clauses(meaning, kind) == clauses


# --- Short answers written from the syllabus ----------------------------------------------------


def short(items: list[Any]) -> dict[str, Any]:
    assert items
    return items[0].question


def test_a_describe_short_answer_has_the_gloss_as_model_answer_and_a_criterion_per_clause():
    question = short(list(writer(CSC217_OBJECTIVES).candidates(DESCRIBE_SHORT, 0)))

    assert question["prompt"] == (
        "What does Single Variable Explorations involve in this course? Describe each part of it."
    )
    assert question["referenceAnswer"] == (
        "Single Variable Explorations means to examine a single variable, understand its "
        "underlying distribution, and choose the appropriate summary statistics for it."
    )
    assert [c["criterion"] for c in question["rubricCriteria"]] == [
        "Says that it involves: Examine a single variable.",
        "Says that it involves: understand its underlying distribution.",
        "Says that it involves: choose the appropriate summary statistics for it.",
    ]
    assert [c["points"] for c in question["rubricCriteria"]] == [2, 2, 1]
    for criterion in question["rubricCriteria"]:
        clause = criterion["criterion"].split(": ", 1)[1].rstrip(".")
        assert clause.lower() in question["referenceAnswer"].lower()  # gradable from it


def test_a_gloss_of_one_clause_makes_no_short_answer() -> None:
    terms = [i.question["topic"] for i in writer(CSC217_OBJECTIVES).candidates(DESCRIBE_SHORT, 0)]

    assert "Visualization" not in terms
    assert len(terms) == 3


def test_a_topic_short_answer_names_its_list_in_the_model_answer() -> None:
    items = list(writer(CS231_TOPICS).candidates(TOPIC_SHORT, 0))
    by_topic = {item.question["topic"]: item.question for item in items}

    question = by_topic["Basic types and definitions"]
    assert question["prompt"] == (
        "Which concepts does the course study as part of basic types and definitions? "
        "Name three of them."
    )
    assert question["referenceAnswer"] == (
        "As part of basic types and definitions, the course studies Booleans, Integers and "
        "Characters."
    )
    assert [c["criterion"] for c in question["rubricCriteria"]] == [
        "Names Booleans.",
        "Names Integers.",
        "Names Characters.",
    ]
    # A list of lists is asked about through its sub-lists.
    assert "Imperative programming paradigm in C" not in by_topic


def test_a_contrast_is_between_two_sibling_lists_sharing_no_topic() -> None:
    items = list(writer(LIN7076_WEEKS, "hard", short_points=8).candidates(RELATE_SHORT, 0))

    assert items
    for item in items:
        first, second = item.question["topic"].split("; ")
        criteria = item.question["rubricCriteria"]
        assert len(criteria) == 3
        assert sum(c["points"] for c in criteria) == 8
        assert first in item.question["referenceAnswer"]
        assert second in item.question["referenceAnswer"]


@pytest.mark.parametrize(
    ("name", "running_text"),
    [
        ("Basic types and definitions", "basic types and definitions"),
        ("Consumer Choice", "consumer choice"),
        ("Introduction to Microeconomics", "introduction to microeconomics"),
        ("naive Bayes", "naive Bayes"),
        ("Bioinformatics", "Bioinformatics"),
        ("TF-IDF weighting", "TF-IDF weighting"),
    ],
)
def test_a_heading_reads_as_running_text_in_a_prompt(name: str, running_text: str) -> None:
    assert running(name) == running_text


# --- Distractors that are surely wrong ----------------------------------------------------------


def test_a_weeks_distractors_come_from_later_weeks_or_other_courses() -> None:
    kinds = writer(LIN7076_WEEKS)
    order = {family.name: family.start for family in kinds.families}
    home_of = {topic.key: family.name for family in kinds.families for topic in family.topics}
    foreign = {option_key(topic) for topic in OTHER_COURSES_TOPICS}

    checked = 0
    for item in kinds.candidates(COVERED, 0):
        week = item.question["topic"]
        if week not in order or week == "Course schedule":
            continue
        for distractor in item.distractors:
            key = option_key(distractor)
            assert key in foreign or order[home_of[key]] > order[week], (week, distractor)
        checked += 1
    assert checked


def test_a_list_named_in_prose_gets_other_courses_topics_as_distractors() -> None:
    text = LIN7076_DESCRIPTION + "\n" + LIN7076_WEEKS
    foreign = {option_key(topic) for topic in OTHER_COURSES_TOPICS}

    items = [
        item
        for kind in (COVERED, OUTSIDER)
        for item in writer(text).candidates(kind, 0)
        if "linguistic ideas" in item.question["prompt"]
    ]

    assert items
    for item in items:
        wrong = item.distractors if item.kind == COVERED else [item.key]
        assert {option_key(text) for text in wrong} <= foreign


def test_an_acronym_or_restatement_of_its_list_is_no_topic_of_it() -> None:
    weeks = {f.name: names(f) for f in writer(LIN7076_WEEKS).families}
    economics = {
        f.name: names(f) for f in writer(UNSEEN["microeconomics-principles"]["text"]).families
    }

    assert weeks["recurrent networks"] == ["LSTMs", "Attention"]  # not "RNNs"
    assert economics["Game Theory and Strategic Behavior"] == [
        "Dominant strategy equilibrium",
        "Nash equilibrium",
        "Prisoner\u2019s dilemma",
    ]  # not "Concept of game theory"


# --- Whole questionnaires -----------------------------------------------------------------------


def test_no_mcq_shows_a_topic_of_a_short_list_before_a_short_answer_asks_to_name_it() -> None:
    # Sections are revealed one at a time: an MCQ in the short answer's section or an earlier
    # one would show part of its answer; one in a later section cannot.
    text = CS231_TOPICS + "\n" + LIN7076_WEEKS
    options = GenerationOptions(section_count=2, questions_per_section=4)
    content = generate_offline(syllabus_text=text, subject="S", options=options)
    validate_content(content, syllabus_text=text, options=options)
    kinds = writer(text)
    lists = {family.name: {t.key for t in family.topics} for family in kinds.families}

    asked = [
        (number, lists[q["topic"]])
        for number, section in enumerate(content["sections"])
        for q in section["questions"]
        if q["type"] == "SHORT_ANSWER" and q["topic"] in lists and len(lists[q["topic"]]) < 6
    ]

    def shown_up_to(last: int) -> set[str]:
        return {
            option_key(o["text"])
            for section in content["sections"][: last + 1]
            for q in section["questions"]
            if q["type"] == "MCQ"
            for o in q["options"]
        }

    assert asked
    assert all(topics.isdisjoint(shown_up_to(number)) for number, topics in asked)
