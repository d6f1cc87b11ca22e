"""Topics of other courses, the distractors of last resort.

When a syllabus has a single topic list, "which of these does the course cover?" has no wrong
answers of its own; these are. They are ordinary topic names from a spread of courses, written
in sentence case (a key's capitalisation is copied onto the one picked, see `styled_like`), and
one sharing a content word with the syllabus is never used: "Linear programming" is no
distractor for a course that teaches linear regression.
"""

from __future__ import annotations

from ..subject.vocabulary import STOPWORDS, lemmas

OTHER_COURSES_TOPICS = (
    # computer systems and networks
    "Virtual memory",
    "Page replacement",
    "Process scheduling",
    "Deadlock detection",
    "File systems",
    "Cache coherence",
    "Packet switching",
    "Congestion control",
    "Routing protocols",
    "Domain name resolution",
    "Instruction pipelining",
    "Branch prediction",
    # databases, compilers, software engineering
    "Query optimization",
    "Database normalization",
    "Transaction isolation",
    "Lexical analysis",
    "Register allocation",
    "Type inference",
    "Version control",
    "Requirements elicitation",
    "Design patterns",
    "Unit testing",
    # algorithms and theory
    "Graph coloring",
    "Minimum spanning trees",
    "Dynamic programming",
    "Hash tables",
    "Binary search trees",
    "Shortest paths",
    "Turing machines",
    "Context-free grammars",
    "NP-completeness",
    "Amortized analysis",
    # mathematics and science
    "Eigenvalue decomposition",
    "Fourier series",
    "Differential equations",
    "Group theory",
    "Numerical integration",
    # security, graphics, human factors, economics
    "Public key cryptography",
    "Access control lists",
    "Ray tracing",
    "Texture mapping",
    "Usability testing",
    "Game theory",
    "Signal processing",
    "Control theory",
    # acronyms, for keys that are acronyms
    "TCP/IP",
    "DNS",
    "RAID",
    "SQL",
    "UML",
    "BGP",
    "GPU",
    "MVC",
)


_MINOR_WORDS = frozenset("a an and as at by for in of on or the to".split())


def vocabulary_words(topic: str) -> frozenset[str]:
    return frozenset(word for word in lemmas(topic) if word not in STOPWORDS)


def foreign_topics(syllabus_words: frozenset[str]) -> list[str]:
    """The built-in topics that share no content word with the syllabus."""
    return [
        topic
        for topic in OTHER_COURSES_TOPICS
        if vocabulary_words(topic).isdisjoint(syllabus_words)
    ]


def styled_like(topic: str, key: str) -> str:
    """`topic` capitalised the way `key` is: "Hypothesis Testing" → "Query Optimization",
    "perplexity" → "query optimization", "Cosine similarity" → "Query optimization"."""
    if topic.isupper() or not key:
        return topic
    words = key.split()
    long_words = [word for word in words if len(word) > 3 and word[:1].isalpha()]
    if len(words) > 1 and long_words and all(word[:1].isupper() for word in long_words):
        return " ".join(
            word if word in _MINOR_WORDS and index else word[:1].upper() + word[1:]
            for index, word in enumerate(topic.split())
        )
    if key[:1].islower():
        return topic[:1].lower() + topic[1:]
    return topic
