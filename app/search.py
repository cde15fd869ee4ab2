"""Full-text search machinery shared by ``/v1/search`` and the ``q`` filter of every list.

What is here: parsing what a user types into terms, the match condition for each engine (FTS5 on
SQLite, ``tsvector`` on PostgreSQL, both over the same accent- and case-folded text), the relevance
tiers, and snippets with the matched words marked. The SQL statements that use them live in
``queries.py``.

Query syntax: words match the start of words (``withdr`` finds "withdrawal"); a hyphenated or
dotted word is a phrase (``al-Asad`` = ``al Asad`` as adjacent words); ``"quoted words"`` must
appear together, exactly. Every term must match. Case, accents and punctuation are ignored.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import col

from app.errors import InvalidParameter
from app.models import DatasetInfo, SearchDocument, SearchTerm

SNIPPET_WORDS = 24
# A prefix that stands for more words of the index than this is asked as a prefix.
MAX_COMPLETIONS = 32
# What /v1/search returns, in the order results of one tier are ranked.
SEARCH_TYPES = ("event", "actor", "location", "quote", "article")


def fold(value: str) -> str:
    """Lowercase, without accents, punctuation turned into single spaces."""
    if value.isascii():
        # ASCII has no accents to strip; skipping the decomposition makes loading 1M rows
        # minutes faster.
        no_marks = value
    else:
        decomposed = unicodedata.normalize("NFKD", value)
        no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", no_marks.casefold()).replace("_", " ").split())


def fold_all(*parts: str | None) -> str:
    """The folded text of several fields, for the search index."""
    return fold(" ".join(p for p in parts if p))


@dataclass(frozen=True)
class Term:
    """Words that must appear in this order, adjacent; ``prefix``: the last may be cut short.

    ``completions``: when not empty, every word of the full-text index that the last word is a
    prefix of (SQLite, see ``with_completions``); the term is asked as those whole words.
    """

    words: tuple[str, ...]
    prefix: bool
    completions: tuple[str, ...] = ()


def parse_query(q: str) -> list[Term]:
    """Split a user's query into terms; raise 422 when nothing searchable is left."""
    terms: list[Term] = []
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', q):
        words = tuple(fold(quoted or bare).split())
        if words:
            terms.append(Term(words, prefix=not quoted))
    if not terms:
        raise InvalidParameter("q", "contains no searchable words")
    return terms


class WordShares:
    """The share of documents holding each of the commonest words (PostgreSQL's statistics of a
    full-text column or index), and ``unlisted``, the share any other word stays under (by
    default the least listed share). Words are kept sorted, so that a prefix's total share is
    two bisections, not a pass over every listed word."""

    def __init__(self, shares: Mapping[str, float], unlisted: float | None = None):
        self.words = sorted(shares)
        self.shares = dict(shares)
        self.unlisted = min(shares.values(), default=0.0) if unlisted is None else unlisted
        self._running = list(
            itertools.accumulate((self.shares[w] for w in self.words), initial=0.0)
        )

    def of_word(self, word: str) -> float:
        """The share of documents holding ``word``, or at most holding it when not listed."""
        return self.shares.get(word, self.unlisted)

    def of_prefix(self, prefix: str) -> float:
        """The share of documents holding a word that starts with ``prefix``, at most: every
        listed word it starts, plus one unlisted word."""
        first = bisect.bisect_left(self.words, prefix)
        last = bisect.bisect_left(self.words, prefix + "\U0010ffff")
        return min(1.0, self._running[last] - self._running[first] + self.unlisted)


def estimated_share(terms: list[Term], shares: WordShares) -> float:
    """An estimate of the share of documents matching every term, from the share of documents
    holding each word.

    A document matches a term only if it holds each of the term's words, so the term's rarest
    word bounds its share; terms are taken as independent.
    """
    share = 1.0
    for term in terms:
        *whole, last = term.words
        words = [shares.of_word(word) for word in whole]
        words.append(shares.of_prefix(last) if term.prefix else shares.of_word(last))
        share *= min(words)
    return share


def _fts5_term(term: Term) -> str:
    # Terms hold only word characters (see fold), so wrapping them in quotes is safe.
    if not term.completions:
        return f'"{" ".join(term.words)}"' + ("*" if term.prefix else "")
    head = term.words[:-1]
    return "(" + " OR ".join(f'"{" ".join((*head, word))}"' for word in term.completions) + ")"


def _fts5_terms(terms: list[Term]) -> str:
    return " AND ".join(_fts5_term(t) for t in terms)


def with_completions(terms: list[Term], words_from: Callable[[str], Sequence[str]]) -> list[Term]:
    """``terms`` with each prefix completed, when it stands for at most ``MAX_COMPLETIONS``
    words of the index: ``words_from(prefix)`` gives the index's words from ``prefix`` on, in
    order, at least ``MAX_COMPLETIONS + 1`` of them when there are that many.

    The same matches either way; FTS5 walks a few whole words lazily, but gathers every match
    of a prefix before it returns the first (1.0 against 0.11 ms for a page of a word in 30,000
    quotes). A prefix of no listed word is left as it is: it may be a word FTS5 splits.
    """
    completed = []
    for term in terms:
        if term.prefix:
            prefix = term.words[-1]
            words = list(itertools.takewhile(_starts_with(prefix), words_from(prefix)))
            if 0 < len(words) <= MAX_COMPLETIONS:
                term = replace(term, completions=tuple(words))
        completed.append(term)
    return completed


def _fts5_expression(terms: list[Term]) -> str:
    """Every term in the body (the FTS5 table also indexes the names, for relevance tiers)."""
    return f"body : ({_fts5_terms(terms)})"


def _tsquery_expression(terms: list[Term]) -> str:
    parts = []
    for term in terms:
        words = list(term.words)
        if term.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


def matching_documents(dialect: Dialect, terms: list[Term]) -> ColumnElement[bool]:
    """Condition on ``search_document`` rows whose body matches every term."""
    if dialect.name == "postgresql":
        tsquery = func.to_tsquery("simple", _tsquery_expression(terms))
        return literal_column("search_document.body_tsv").op("@@", return_type=Boolean)(tsquery)
    matched_rows = (
        text("SELECT rowid FROM search_fts WHERE search_fts MATCH :fts_query")
        .bindparams(fts_query=_fts5_expression(terms))
        .columns(rowid=Integer)
    )
    return col(SearchDocument.id).in_(matched_rows)


def of_types(dialect: Dialect, types: Sequence[str]) -> ColumnElement[bool]:
    """Documents of these types, written so that the full-text match drives the query plan.

    Left alone, SQLite prefers the (type, target_id) index and tests a million rows against the
    match; a unary ``+`` hides the column from the index chooser (1 s -> 20 ms at 1M quotes).
    """
    if dialect.name == "sqlite":
        return literal_column("+search_document.type").in_(list(types))
    return col(SearchDocument.type).in_(list(types))


def matching_ids(dialect: Dialect, resource_type: str, q: str | None) -> Any:
    """A subquery of the ids of one resource type matching ``q`` (None when there is no q)."""
    if q is None:
        return None
    return (
        select(col(SearchDocument.target_id))
        .where(of_types(dialect, [resource_type]))
        .where(matching_documents(dialect, parse_query(q)))
    )


def _starts_with(prefix: str) -> Callable[[str], bool]:
    """Whether a word starts with ``prefix``."""
    return lambda word: word.startswith(prefix)


def match_expression(dialect: Dialect, terms: list[Term]) -> str:
    """Parsed terms as the engine's full-text query (FTS5 MATCH or to_tsquery)."""
    return _tsquery_expression(terms) if dialect.name == "postgresql" else _fts5_expression(terms)


def ids_matching(dialect_name: str, resource_type: str) -> Any:
    """``matching_ids`` with the query as the bound parameter ``q_match`` (a
    ``match_expression``), for statements built once and run with many queries; on SQLite with
    the bounds of the type's document ids too (``q_first``, ``q_last``)."""
    if dialect_name == "postgresql":
        tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("q_match", type_=String))
        matched = literal_column("search_document.body_tsv").op("@@", return_type=Boolean)(tsquery)
        # psycopg prepares a statement run often, and PostgreSQL then plans it once for any
        # value: without the query's words it may walk every document of the type in id order,
        # testing the match on each (100 ms at 100,000 quotes, against 4 ms from the index).
        # Materialised, the match always comes from the full-text index first; the type is
        # written out so that the planner knows it, not a parameter.
        documents = (
            select(col(SearchDocument.target_id))
            .where(col(SearchDocument.type) == literal_column(f"'{resource_type}'"), matched)
            .cte(f"matched_{resource_type}")
            .prefix_with("MATERIALIZED")
        )
        return select(documents.c.target_id)
    # The match is read only between the type's first and last document (bound as ``q_first``
    # and ``q_last``): FTS5 then skips the other types' matches instead of decoding them all (a
    # word common in quotes and absent from events: 220 -> 26 ms for a dated event page).
    matched = col(SearchDocument.id).in_(
        text(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH :q_match "
            "AND rowid BETWEEN :q_first AND :q_last"
        ).columns(rowid=Integer)
    )
    type_column: Any = literal_column("+search_document.type")
    return select(col(SearchDocument.target_id)).where(type_column == resource_type).where(matched)


def folded_names(*names: str) -> str:
    """A resource's folded name and aliases as `` | name | alias | `` for relevance tiers."""
    folded = (fold(n) for n in names)
    return " | " + " | ".join(dict.fromkeys(f for f in folded if f)) + " | "


def _name_patterns(terms: list[Term], q: str) -> tuple[str, list[str]]:
    """LIKE patterns over ``names_folded``: a name or alias that is the query, and per term, the
    term within a name or alias."""
    exact = "% | " + fold(q) + " | %"
    return exact, word_patterns(terms)


def word_patterns(terms: list[Term]) -> list[str]:
    """Per term, a LIKE pattern of its words in folded text with a space on each side: the
    words in order and adjacent, the last one cut short for a prefix. Folded words hold no
    ``%`` or ``_``."""
    return ["% " + " ".join(t.words) + ("%" if t.prefix else " %") for t in terms]


def relevance(terms: list[Term], q: str) -> ColumnElement[int]:
    """Relevance tier: 3 the name or an alias is the query, 2 every term is in the name or an
    alias (title for events, text for quotes), 1 the terms are only in the text."""
    names = col(SearchDocument.names_folded)
    exact, within = _name_patterns(terms, q)
    return case(
        (names.like(exact), 3),
        (and_(true(), *(names.like(pattern) for pattern in within)), 2),
        else_=1,
    )


def in_middle_tier(term_count: int) -> ColumnElement[bool]:
    """``relevance`` is 2, for a query of ``term_count`` terms, with the patterns as bound
    parameters (``middle_tier_values``): one statement serves every such query."""
    names = col(SearchDocument.names_folded)
    return and_(
        ~names.like(bindparam("exact_name", type_=String)),
        *(names.like(bindparam(f"within_name_{i}", type_=String)) for i in range(term_count)),
    )


def middle_tier_values(terms: list[Term], q: str) -> dict[str, str]:
    """The bound parameters of ``in_middle_tier`` for a query."""
    exact, within = _name_patterns(terms, q)
    return {"exact_name": exact, **{f"within_name_{i}": p for i, p in enumerate(within)}}


SCORES = {3: 1.0, 2: 0.75, 1: 0.5}


def relevance_of(names_folded: str, terms: list[Term], q: str) -> int:
    """``relevance`` in Python, for one document's ``names_folded``."""
    if f" | {_folded_query(q)} | " in names_folded:
        return 3
    if all(f" {' '.join(t.words)}{'' if t.prefix else ' '}" in names_folded for t in terms):
        return 2
    return 1


@lru_cache(maxsize=4096)
def _folded_query(q: str) -> str:
    # A page checks each of its documents against the same query.
    return fold(q)


def exact_name_expression(q: str) -> str:
    """SQLite: an FTS5 expression for the documents with a name or alias that is ``q``: its
    words joined by ``_`` after a ``_``, a token no word of a text can be (migration 0021)."""
    return f'names_exact : "_{"_".join(fold(q).split())}"'


def tier_expressions(terms: list[Term], q: str) -> dict[int, str]:
    """SQLite: an FTS5 expression per relevance tier, each matching exactly the documents that
    ``relevance`` puts in that tier (the FTS5 table indexes the names next to the body).

    ``names_folded`` is tokenized with ``|`` as a word, so a phrase cannot run from one name into
    the next; ``names_exact`` holds each whole name as one token (``_`` and its words joined by
    ``_``), so the top tier is one short doclist however common the query's words are.
    """
    body = _fts5_expression(terms)
    names = f"names_folded : ({_fts5_terms(terms)})"
    exact = exact_name_expression(q)
    return {
        3: f"({exact}) AND ({body})",
        2: f"(({names}) AND ({body})) NOT ({exact})",
        1: f"({body}) NOT (({names}) OR ({exact}))",
    }


_WORD = re.compile(r"\w+")


def _fold_word(word: str) -> str:
    """``fold`` of one run of word characters; plain ASCII letters and digits only need
    lowering (snippets fold every word of the text, so this is most of their time)."""
    if word.isascii() and "_" not in word:
        return word.lower()
    return fold(word)


def _match_at(tokens: list[tuple[int, int, str]], i: int, term: Term) -> bool:
    size = len(term.words)
    if i + size > len(tokens):
        return False
    last = tokens[i + size - 1][2]
    final = term.words[-1]
    if not (last.startswith(final) if term.prefix else last == final):
        return False
    return all(tokens[i + k][2] == term.words[k] for k in range(size - 1))


def snippet(content: str, terms: list[Term], words: int = SNIPPET_WORDS) -> str:
    """A short excerpt around the first match, HTML-escaped, matched words in ``<mark>``.

    The text is split into words only as far as the excerpt needs: up to the first match, then
    to the end of the excerpt (long articles are most of a search page's time otherwise).
    """
    if _is_plain(content):
        return _plain_snippet(content, terms, words)
    found = _WORD.finditer(content)
    tokens: list[tuple[int, int, str]] = []

    def reach(count: int) -> int:
        while len(tokens) < count and (match := next(found, None)) is not None:
            tokens.append((match.start(), match.end(), _fold_word(match.group())))
        return min(count, len(tokens))

    longest = max((len(term.words) for term in terms), default=1)
    first: int | None = None
    i = 0
    while first is None and reach(i + longest) > i:
        if any(_match_at(tokens, i, term) for term in terms):
            first = i
        i += 1
    if not tokens:
        return html.escape(content, quote=False)
    begin = max(0, (first or 0) - words // 3)
    reach(begin + words + longest)
    end = min(len(tokens), begin + words)
    marked: set[int] = set()
    for i in range(first if first is not None else end, end):
        for term in terms:
            if _match_at(tokens, i, term):
                marked.update(range(i, i + len(term.words)))
    # Escaped in runs between the marked words, not word by word.
    pieces = []
    cursor = tokens[begin][0]
    for index in sorted(i for i in marked if i < end):
        start, stop, _ = tokens[index]
        pieces.append(html.escape(content[cursor:start], quote=False))
        pieces.append(f"<mark>{html.escape(content[start:stop], quote=False)}</mark>")
        cursor = stop
    pieces.append(html.escape(content[cursor : tokens[end - 1][1]], quote=False))
    excerpt = "".join(pieces)
    if begin > 0:
        excerpt = "…" + excerpt
    if end < len(tokens):
        excerpt += "…"
    return excerpt


# A text is plain when its words are ASCII without underscores: folding such a word is lowering
# it, so regular expressions over the text itself find the matches (a third of the time).
_NOT_PLAIN = re.compile(r"[^\W\x00-\x7f]|_")


def _is_plain(content: str) -> bool:
    """Whether ``content`` is plain (see ``_NOT_PLAIN``); an ASCII text is checked for an
    underscore only, which is a sixth of the expression's time."""
    if content.isascii():
        return "_" not in content
    return _NOT_PLAIN.search(content) is None


class _PlainPatterns(NamedTuple):
    """The regular expressions that find a query's matches in a plain text."""

    # Every word where a term's match starts, its words in group 1. The lookahead lets matches
    # overlap; longer phrases come first, so a match covers the words of any shorter one
    # starting at the same word.
    starts: re.Pattern[str]
    # Without phrases, each match is one whole word and matches cannot overlap: the matched
    # words themselves (None with a phrase).
    words: re.Pattern[str] | None


# Compiling a query's patterns costs about as much as ten snippets: kept for thousands of
# queries (a benchmark of 380 distinct words missed a third of the time with 256).
@lru_cache(maxsize=4096)
def _plain_patterns(terms: tuple[Term, ...]) -> _PlainPatterns:
    """The patterns of a query's terms (see ``_PlainPatterns``)."""
    alternatives = []
    for term in sorted(terms, key=lambda t: -len(t.words)):
        phrase = r"\W+".join(re.escape(word) for word in term.words)
        alternatives.append(phrase + (r"\w*" if term.prefix else r"(?!\w)"))
    either = "|".join(alternatives)
    flags = re.IGNORECASE | re.ASCII
    single = all(len(term.words) == 1 for term in terms)
    return _PlainPatterns(
        re.compile(r"(?<!\w)(?=(" + either + "))", flags),
        re.compile(r"(?<!\w)(?:" + either + ")", flags) if single else None,
    )


# What an ASCII text has around its words (plain texts have no underscore).
_ASCII_BETWEEN_WORDS = "".join(chr(code) for code in range(128) if not chr(code).isalnum())
# Bytes that turn every character around words into a space.
_ASCII_WORDS_APART = bytes(code if chr(code).isalnum() else 32 for code in range(128)) + bytes(
    [32] * 128
)


def _ascii_word_count(text: str) -> int:
    """The number of words of an ASCII text without underscores (``bytes.translate`` and
    ``split`` run in C, without a match object per word)."""
    return len(text.encode("ascii").translate(_ASCII_WORDS_APART).split())


def _marked(match: re.Match[str]) -> str:
    return f"<mark>{match.group()}</mark>"


# A plain text's words as the separators of a split: the pieces alternate between the text
# around words and the words, so their running lengths are the words' bounds, all found in C.
_PLAIN_WORD_SPLIT = re.compile(r"([A-Za-z0-9]+)")


def _plain_word_bounds(text: str) -> list[int]:
    """Word ``i`` of a plain text spans ``text[bounds[2 * i] : bounds[2 * i + 1]]``."""
    return list(itertools.accumulate(map(len, _PLAIN_WORD_SPLIT.split(text))))


def _plain_snippet(content: str, terms: list[Term], words: int) -> str:
    """``snippet`` of a plain text (see ``_NOT_PLAIN``), the same excerpt found with regular
    expressions instead of word by word, splitting the text only as far as the excerpt."""
    patterns = _plain_patterns(tuple(terms))
    matches = patterns.starts
    first = matches.search(content)
    head = 0 if first is None else first.start()
    if patterns.words is not None and content.isascii():
        # The common case of a short text: every word shown, none to escape, one-word terms.
        # The excerpt is then the text from its first word to its last, matches marked.
        shown = content.strip(_ASCII_BETWEEN_WORDS)
        if (
            shown
            and "&" not in shown
            and "<" not in shown
            and ">" not in shown
            and _ascii_word_count(content[:head]) <= words // 3
            and _ascii_word_count(shown) <= words
        ):
            return patterns.words.sub(_marked, shown)
    reach = head + 8 * (words + 1)
    while True:
        # The words up to ``reach`` (the last one may be cut), widened until they hold the
        # excerpt and one word more, which tells whether the text goes on.
        cut = reach < len(content)
        bounds = _plain_word_bounds(content[:reach] if cut else content)
        count = len(bounds) // 2
        index = bisect.bisect_left(bounds[0 : 2 * count : 2], head)
        begin = max(0, index - words // 3)
        if not cut or count > begin + words:
            break
        reach *= 2
    if count == 0:
        return html.escape(content, quote=False)
    end = min(count, begin + words)
    shown_end = bounds[2 * end - 1]
    marked: dict[int, int] = {}
    if first is not None:
        # A match of one-word terms is one word; a phrase's is split into its words.
        for match in matches.finditer(content, head):
            if match.start() >= shown_end:
                break
            if patterns.words is not None:
                marked[match.start(1)] = match.end(1)
                continue
            for word in _WORD.finditer(content, match.start(1), match.end(1)):
                marked[word.start()] = word.end()
    pieces = []
    cursor = bounds[2 * begin]
    for start in sorted(s for s in marked if s < shown_end):
        stop = marked[start]
        pieces.append(html.escape(content[cursor:start], quote=False))
        pieces.append(f"<mark>{html.escape(content[start:stop], quote=False)}</mark>")
        cursor = stop
    pieces.append(html.escape(content[cursor:shown_end], quote=False))
    excerpt = "".join(pieces)
    if begin > 0:
        excerpt = "…" + excerpt
    if count > end:
        excerpt += "…"
    return excerpt


# The dataset_info key set when, within each type, search documents were written in id order.
IN_ID_ORDER_KEY = "search_documents_in_id_order"
# ... and when, across types too, they were written in the order of search results within a
# tier: by type (event, actor, location, quote, article), then id.
IN_RANK_ORDER_KEY = "search_documents_in_rank_order"
# Recorded when search_term lists the words of the full-text index (SQLite).
SEARCH_TERMS_KEY = "search_terms_listed"


def type_rank(type_column: Any) -> ColumnElement[int]:
    """A type's position in ``SEARCH_TYPES``: the order of search results within a tier."""
    return case(
        *((type_column == name, rank) for rank, name in enumerate(SEARCH_TYPES)),
        else_=len(SEARCH_TYPES),
    )


def rank_order_key(row: dict[str, Any]) -> tuple[int, str]:
    """Sort key of a search document row for the loaders: type rank, then id."""
    kind = row["type"]
    rank = SEARCH_TYPES.index(kind) if kind in SEARCH_TYPES else len(SEARCH_TYPES)
    return rank, row["target_id"]


def documents_out_of_id_order(connection: Connection) -> int:
    """How many search documents have a smaller target id than the document written before them
    of the same type (0 when the row order within each type is the id order)."""
    previous = (
        func.lag(col(SearchDocument.target_id))
        .over(partition_by=col(SearchDocument.type), order_by=col(SearchDocument.id))
        .label("previous")
    )
    ordered = select(col(SearchDocument.target_id), previous).subquery()
    return int(
        connection.execute(
            select(func.count()).where(ordered.c.previous >= ordered.c.target_id)
        ).scalar_one()
    )


def documents_out_of_rank_order(connection: Connection) -> int:
    """How many search documents come, by type rank and id, before the document written before
    them (0 when the row order is the order of search results within a tier)."""
    rank = type_rank(col(SearchDocument.type))
    ordered = select(
        rank.label("rank"),
        col(SearchDocument.target_id),
        func.lag(rank).over(order_by=col(SearchDocument.id)).label("previous_rank"),
        func.lag(col(SearchDocument.target_id))
        .over(order_by=col(SearchDocument.id))
        .label("previous"),
    ).subquery()
    return int(
        connection.execute(
            select(func.count()).where(
                (ordered.c.previous_rank > ordered.c.rank)
                | (
                    (ordered.c.previous_rank == ordered.c.rank)
                    & (ordered.c.previous >= ordered.c.target_id)
                )
            )
        ).scalar_one()
    )


def record_document_order(connection: Connection) -> bool:
    """Record whether the documents are in id order within each type, so that SQLite can walk a
    full-text match in row order and stop at the first page (see queries.list_quotes), and
    whether they are in rank order across types (see queries.search_everything). Returns the
    first."""
    in_order = documents_out_of_id_order(connection) == 0
    in_rank_order = in_order and documents_out_of_rank_order(connection) == 0
    connection.execute(
        delete(DatasetInfo).where(col(DatasetInfo.key).in_([IN_ID_ORDER_KEY, IN_RANK_ORDER_KEY]))
    )
    if in_order:
        connection.execute(insert(DatasetInfo).values(key=IN_ID_ORDER_KEY, value="1"))
    if in_rank_order:
        connection.execute(insert(DatasetInfo).values(key=IN_RANK_ORDER_KEY, value="1"))
    return in_order


# The words of the full-text index, while ``_index_words`` lasts (an ``fts5vocab`` table).
_VOCABULARY = table(
    "search_fts_words", column("term", String), column("col", String), schema="temp"
)
_INDEX_WORDS = select(_VOCABULARY.c.term).where(_VOCABULARY.c.col.in_(["body", "names_folded"]))


@contextmanager
def _index_words(connection: Connection) -> Iterator[None]:
    """SQLite: ``_INDEX_WORDS`` can be read while this lasts (an ``fts5vocab`` table)."""
    connection.execute(
        text("CREATE VIRTUAL TABLE temp.search_fts_words USING fts5vocab(main, search_fts, col)")
    )
    try:
        yield
    finally:
        connection.execute(text("DROP TABLE temp.search_fts_words"))


def write_search_terms(connection: Connection) -> int:
    """SQLite: list the words of the full-text index's bodies and names in ``search_term`` (for
    ``with_completions``) and record that they are listed. Returns how many; 0 elsewhere."""
    connection.execute(delete(SearchTerm))
    connection.execute(delete(DatasetInfo).where(col(DatasetInfo.key) == SEARCH_TERMS_KEY))
    if connection.dialect.name != "sqlite":
        return 0
    with _index_words(connection):
        connection.execute(insert(SearchTerm).from_select(["term"], _INDEX_WORDS.distinct()))
    count = int(connection.execute(select(func.count()).select_from(SearchTerm)).scalar_one())
    connection.execute(insert(DatasetInfo).values(key=SEARCH_TERMS_KEY, value=str(count)))
    return count


def misslisted_search_terms(connection: Connection) -> int:
    """SQLite: how many words the index's bodies and names have that ``search_term`` lacks, and
    the other way round (0 when the list is exact)."""
    listed = select(col(SearchTerm.term))
    with _index_words(connection):
        missing, extra = (
            connection.execute(
                select(func.count()).select_from(one.except_(other).subquery())
            ).scalar_one()
            for one, other in ((_INDEX_WORDS, listed), (listed, _INDEX_WORDS))
        )
        return int(missing) + int(extra)
