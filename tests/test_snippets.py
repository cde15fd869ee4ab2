"""Snippets: the excerpt is cut where a plain reading of the rule cuts it.

``search.snippet`` splits a text into words only as far as the excerpt needs and folds plain
ASCII words the short way, and finds the matches of a text of plain ASCII words with regular
expressions; here both ways are compared with the rule written out naively (fold every word,
mark every match, cut around the first) over many random texts and queries.
"""

from __future__ import annotations

import html
import random
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from app.search import (
    _NOT_PLAIN,
    SNIPPET_WORDS,
    Term,
    fold,
    folded_names,
    parse_query,
    snippet,
)


def _naive_snippet(content: str, terms: list[Term], words: int = SNIPPET_WORDS) -> str:
    tokens = [(m.start(), m.end(), fold(m.group())) for m in re.finditer(r"\w+", content)]
    marked: set[int] = set()
    for term in terms:
        size = len(term.words)
        for i in range(len(tokens) - size + 1):
            window = [tokens[i + k][2] for k in range(size)]
            last = window[-1]
            if window[:-1] == list(term.words[:-1]) and (
                last.startswith(term.words[-1]) if term.prefix else last == term.words[-1]
            ):
                marked.update(range(i, i + size))
    if not tokens:
        return html.escape(content, quote=False)
    first = min(marked) if marked else 0
    begin = max(0, first - words // 3)
    end = min(len(tokens), begin + words)
    pieces = []
    cursor = tokens[begin][0]
    for index in range(begin, end):
        start, stop, _ = tokens[index]
        pieces.append(html.escape(content[cursor:start], quote=False))
        word = html.escape(content[start:stop], quote=False)
        pieces.append(f"<mark>{word}</mark>" if index in marked else word)
        cursor = stop
    excerpt = "".join(pieces)
    if begin > 0:
        excerpt = "…" + excerpt
    if end < len(tokens):
        excerpt += "…"
    return excerpt


def test_snippets_are_the_naive_rules_excerpts() -> None:
    rng = random.Random(7)
    vocabulary = ["al", "Asad", "ÁSAD", "base", "ba", "b", "air_base", "x", "Émile", "<b>", "&"]
    queries = ["al", "asad", '"al asad"', "ba", "b", "air base", '"base"', "emile", "x y", "al-ba"]
    marked = 0
    for _ in range(3000):
        length = rng.choice([0, 1, rng.randint(2, 40), rng.randint(60, 300)])
        content = " ".join(
            rng.choice(vocabulary) + rng.choice(["", ",", "-", " —", "."]) for _ in range(length)
        )
        terms = parse_query(" ".join(rng.sample(queries, rng.randint(1, 3))))
        expected = _naive_snippet(content, terms)
        assert snippet(content, terms) == expected, (content, terms)
        marked += "<mark>" in expected
    assert marked > 1000
    assert snippet("", parse_query("x")) == ""


def test_snippets_of_plain_texts_are_the_naive_rules_excerpts() -> None:
    """Texts of ASCII words (punctuation may be anything) take the regular-expression path."""
    rng = random.Random(11)
    vocabulary = ["al", "Asad", "ASAD", "base", "ba", "b", "bab", "x", "<b>", "&", "2003", "AL"]
    separators = ["", ",", "-", " —", ".", "’s", " “", "\n"]
    queries = ["al", "asad", '"al asad"', "ba", "b", "air base", '"base"', "x y", "al-ba", "ba b"]
    plain = marked = 0
    for _ in range(3000):
        length = rng.choice([0, 1, rng.randint(2, 40), rng.randint(60, 300)])
        content = " ".join(rng.choice(vocabulary) + rng.choice(separators) for _ in range(length))
        terms = parse_query(" ".join(rng.sample(queries, rng.randint(1, 3))))
        words = rng.choice([SNIPPET_WORDS, 3, 1])
        expected = _naive_snippet(content, terms, words)
        assert snippet(content, terms, words) == expected, (content, terms, words)
        plain += _NOT_PLAIN.search(content) is None
        marked += "<mark>" in expected
    assert plain == 3000
    assert marked > 1000


def test_snippets_of_short_ascii_texts_are_the_naive_rules_excerpts() -> None:
    """Short ASCII texts of one-word queries are marked without being split into words."""
    rng = random.Random(13)
    vocabulary = ["al", "Asad", "ASAD", "base", "ba", "b", "bab", "x", "2003", "AL", "<b>", "&"]
    separators = ["", ",", "-", ".", " (", ")", "\n", "'s", "?!"]
    queries = ["al", "asad", "ba", "b", "x", "bab base", "2003", "al-ba", "zz"]
    short = marked = 0
    for _ in range(3000):
        length = rng.choice([0, 1, rng.randint(2, 12), rng.randint(13, 40)])
        content = rng.choice(["", " ", "“", "(", "..."]) + " ".join(
            rng.choice(vocabulary[: rng.choice([10, 12])]) + rng.choice(separators)
            for _ in range(length)
        )
        terms = parse_query(" ".join(rng.sample(queries, rng.randint(1, 2))))
        words = rng.choice([SNIPPET_WORDS, 8, 1])
        expected = _naive_snippet(content, terms, words)
        assert snippet(content, terms, words) == expected, (content, terms, words)
        tokens = re.findall(r"\w+", content)
        short += bool(tokens) and len(tokens) <= words and not re.search("[&<>]", content)
        marked += "<mark>" in expected
    assert short > 500
    assert marked > 1000


def _naive_fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", no_marks.casefold()).replace("_", " ").split())


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_folding_takes_the_short_way_for_ascii_only(value: str) -> None:
    assert fold(value) == _naive_fold(value)


def test_folded_names_skip_empty_and_repeated_names() -> None:
    assert folded_names("Al-Sudani", "al sudani", "!!", "Sudani") == " | al sudani | sudani | "
