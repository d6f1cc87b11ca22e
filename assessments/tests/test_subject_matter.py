"""Subject matter first: blocks, SUBJECT/LOGISTICS, topic lists and definitions.

Plain pytest, no database. Crafted snippets for each rule; the real sample syllabi from
../shared/data/syllabi/ when present.
"""

from __future__ import annotations

import pytest

from assessments.content import GenerationOptions, InsufficientSyllabusText, generate_offline
from assessments.content.subject import BlockKind, Role, split_blocks, subject_matter
from assessments.content.subject.classify import logistics_signal


def roles_by_text(text: str) -> dict[str, Role]:
    return {entry.block.text: entry.role for entry in subject_matter(text).blocks}


def role_of(text: str, fragment: str) -> Role:
    matter = subject_matter(text)
    found = [entry.role for entry in matter.blocks if fragment in entry.block.text]
    assert found, fragment
    return found[0]


# --- Blocks -----------------------------------------------------------------------------------

SNIPPET = """Course Topics
• Hash tables and collision resolution
• Balanced search trees
Schedule
Week 3: Hypothesis testing; confidence intervals
Week 4: Midterm exam
This paragraph is wrapped by the layout of the page and therefore continues on
the next line as one block.
"""


def test_blocks_are_headings_bullets_schedule_rows_and_paragraphs_with_their_heading() -> None:
    blocks = split_blocks(SNIPPET)

    kinds = [(block.kind, block.heading) for block in blocks]
    assert kinds == [
        (BlockKind.HEADING, None),
        (BlockKind.BULLETS, "Course Topics"),
        (BlockKind.HEADING, "Course Topics"),
        (BlockKind.SCHEDULE_ROW, "Schedule"),
        (BlockKind.SCHEDULE_ROW, "Schedule"),
        (BlockKind.PARAGRAPH, "Schedule"),
    ]
    bullets = blocks[1]
    assert [item.text for item in bullets.items] == [
        "Hash tables and collision resolution",
        "Balanced search trees",
    ]
    for block in blocks:
        assert SNIPPET[block.start : block.end] == block.text
        assert all(SNIPPET[line.start : line.end] == line.text for line in block.lines)


def test_sub_bullets_hang_under_their_schedule_row() -> None:
    text = (
        "Course schedule:\n"
        "• Week 2 (30/09/2025): n-gram language models\n"
        "\u2013 the Markov assumption, probability estimation, perplexity.\n"
        "• Week 3 (07/10/2025): naive Bayes\n"
    )
    blocks = split_blocks(text)

    sub_list = next(block for block in blocks if block.kind is BlockKind.BULLETS)
    assert sub_list.headings == (
        "Course schedule",
        "Week 2 (30/09/2025): n-gram language models",
    )


def test_a_page_header_repeated_on_every_page_is_dropped() -> None:
    page = "CS 500 Advanced Topics \u2014 Fall 2026\n{body}\n{number}\n\n"
    bodies = [
        "Dynamic programming solves overlapping subproblems by memoizing their answers.",
        "Greedy algorithms commit to the locally best choice at every single step.",
        "Network flow algorithms compute maximum flows and minimum cuts in graphs.",
    ]
    text = "".join(page.format(body=body, number=number) for number, body in enumerate(bodies, 1))

    matter = subject_matter(text)

    furniture = [e for e in matter.blocks if e.block.kind is BlockKind.PAGE_FURNITURE]
    header = "CS 500 Advanced Topics \u2014 Fall 2026"
    assert {e.block.text for e in furniture} == {header, "1", "2", "3"}
    assert all(e.role is Role.LOGISTICS for e in furniture)
    assert not any("Advanced Topics" in sentence.text for sentence in matter.sentences)
    assert len(matter.sentences) == 3


# --- Classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        "Office Hours\nTuesdays 2-4 pm in Gates 415, or by appointment with the TA.",
        "Communication\nJoin the class Slack workspace; questions about homework go on Piazza.",
        "Title IX\nThe university prohibits sexual harassment; you may report it to the Title IX"
        " coordinator.",
        "Grading\nProblem sets 40%, midterm 25%, final exam 35%.",
        "Late Work\nEach day late costs ten percent of the grade, up to three days.",
        "Tools\nWrite your solutions in LaTeX and submit them on Gradescope.",
        "Printing\nThe department printer is managed by the help desk.",
        "Academic Integrity\nCopying code from another student is a violation of the honor code.",
        "Accessibility\nStudents with disabilities should contact the accessibility office.",
        "Instructor: Dr. Jane Roe (GitHub: janeroe), jane@example.edu",
        "You will watch the Coursera videos before each session and discuss them on Zoom.",
    ],
)
def test_logistics_blocks_are_logistics(block: str) -> None:
    matter = subject_matter(block + "\n")

    assert not matter.sentences, [(e.block.text, e.role, e.reason) for e in matter.blocks]
    assert not matter.topics
    body = [e for e in matter.blocks if e.block.kind is not BlockKind.HEADING]
    assert all(e.role is Role.LOGISTICS and e.reason for e in body)


def test_a_subject_heading_makes_its_blocks_subject_and_a_logistics_heading_logistics() -> None:
    text = (
        "Learning Outcomes\n"
        "Students analyse the running time of recursive algorithms with the master theorem.\n"
        "Grading\n"
        "Students analyse the running time of recursive algorithms with the master theorem.\n"
    )
    roles = [entry.role for entry in subject_matter(text).blocks]

    assert roles == [Role.SUBJECT, Role.SUBJECT, Role.LOGISTICS, Role.LOGISTICS]


def test_a_quiz_sentence_under_a_subject_heading_is_not_subject_matter() -> None:
    text = (
        "Course Description\n"
        "The course covers dynamic programming and greedy algorithms in depth. Weekly quizzes "
        "are announced on Canvas.\n"
    )
    sentences = [sentence.text for sentence in subject_matter(text).sentences]

    assert sentences == ["The course covers dynamic programming and greedy algorithms in depth."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Is it possible that the apparent effect is due to chance?",
        "The same-origin policy isolates documents loaded from different origins.",
        "Control-flow integrity restricts indirect jumps to computed targets.",
    ],
)
def test_subject_sentences_with_logistics_looking_words_are_not_logistics(sentence: str) -> None:
    assert logistics_signal(sentence, under_subject_heading=False) is None


def test_exam_and_break_rows_of_a_schedule_are_logistics() -> None:
    assert role_of(SNIPPET, "Week 4: Midterm exam") is Role.LOGISTICS
    assert role_of(SNIPPET, "Week 3: Hypothesis testing") is Role.SUBJECT


# --- Topics and definitions -------------------------------------------------------------------


def test_schedule_rows_and_bullets_give_topic_lists_with_verbatim_excerpts() -> None:
    matter = subject_matter(SNIPPET)
    groups = {group.name: [topic.name for topic in group.topics] for group in matter.topic_groups}

    assert groups == {
        "Course Topics": ["Hash tables and collision resolution", "Balanced search trees"],
        "Schedule": ["Hypothesis testing", "Confidence intervals"],
    }
    for topic in matter.topics:
        assert SNIPPET[topic.start : topic.end] == topic.excerpt
    hypothesis = next(t for t in matter.topics if t.name == "Hypothesis testing")
    assert hypothesis.excerpt == "Week 3: Hypothesis testing; confidence intervals"
    assert hypothesis.group == "Schedule"


def test_everyday_words_and_course_events_are_not_topics() -> None:
    text = "Schedule\nWeek 1: Introduction\nWeek 2: Minutes\nWeek 3: Perplexity\nWeek 4: Review\n"

    names = [topic.name for topic in subject_matter(text).topics]

    assert names == ["Perplexity"]


def test_definitional_sentences_give_terms_and_definitions() -> None:
    text = (
        "Course Description\n"
        "A hash table is a data structure that maps keys to values through a hash function. "
        "Amortized analysis refers to averaging the cost of operations over a whole sequence. "
        "This course is a survey of data structures.\n"
    )
    matter = subject_matter(text)

    pairs = {d.term: d.definition for d in matter.definitions}
    assert pairs == {
        "hash table": "data structure that maps keys to values through a hash function",
        "Amortized analysis": "averaging the cost of operations over a whole sequence",
    }
    assert all(text[d.start : d.end] == d.sentence for d in matter.definitions)


# --- The generator ----------------------------------------------------------------------------

LOGISTICS_ONLY = """Office Hours
Monday 10:00-12:00 in room 3.14, or by appointment; email the instructor first.
Grading
Homework 30%, midterm exam 30%, final exam 40%. Late homework loses ten percent per day.
Communication
Questions go to the Piazza forum; announcements are posted on Canvas and Slack every week.
Academic Integrity
All submitted work must be your own; plagiarism is reported to the university.
Accessibility
Students with disabilities should register with the disability office to get accommodations.
"""


def test_a_syllabus_with_only_logistics_raises_naming_how_many_it_could_write() -> None:
    with pytest.raises(InsufficientSyllabusText) as raised:
        generate_offline(
            syllabus_text=LOGISTICS_ONLY, subject="Algorithms", options=GenerationOptions()
        )

    assert raised.value.questions_possible == 0
    assert "only 0 distinct question(s) could be written" in str(raised.value)
    assert "12 were requested" in str(raised.value)


# --- The real sample syllabi ------------------------------------------------------------------

SAMPLES = {
    "computational-linguistics-lin7076": ("Perplexity", "Cosine similarity", "Backpropagation"),
    "programming-paradigms-cs231": ("Lazy evaluation", "Pointers and memory management"),
    "probability-statistics-csc217": ("Hypothesis Testing", "Bayesian Modeling"),
}
# Said in these syllabi, never subject matter.
LOGISTICS_MARKERS = (
    "@",
    "http",
    "Office",
    "Slack",
    "Binder",
    "Github",
    "%",
    "Wellness",
    "Textbook",
    "Edition",
    "quiz",
    "Midterm",
    "Instructor",
    "Credits",
    "Prerequisites",
    "Spring 2019",
    "Autumn 2025",
    "Project due",
    "Colab",
)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_syllabi_subject_sentences_hold_no_logistics(
    sample_texts: dict[str, str], name: str
) -> None:
    text = sample_texts[name]
    matter = subject_matter(text)

    assert matter.sentences
    for sentence in matter.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        for marker in LOGISTICS_MARKERS:
            assert marker.lower() not in sentence.text.lower(), sentence.text


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_syllabi_keep_their_real_topics(sample_texts: dict[str, str], name: str) -> None:
    text = sample_texts[name]
    matter = subject_matter(text)
    names = {topic.name for topic in matter.topics}

    for expected in SAMPLES[name]:
        assert expected in names
    for topic in matter.topics:
        assert text[topic.start : topic.end] == topic.excerpt
        assert not any(m.lower() in topic.name.lower() for m in ("midterm", "exam", "due"))


def test_sample_syllabus_blocks_under_grading_and_policy_headings_are_logistics(
    sample_texts: dict[str, str],
) -> None:
    text = sample_texts["programming-paradigms-cs231"]

    assert role_of(text, "Office Hours: 9:00 a.m.") is Role.LOGISTICS
    assert role_of(text, "There will be a number of coding assignments") is Role.LOGISTICS
    assert role_of(text, "The University will make reasonable accommodations") is Role.LOGISTICS
    assert role_of(text, "\u2013 Lazy evaluation.") is Role.SUBJECT
