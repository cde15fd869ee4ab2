"""What the API speaks: response and query-parameter models. Never a table as a response model.

Field descriptions and examples here are what a newcomer reads in ``/docs``; the examples are taken
from the seed data.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.errors import InvalidParameter
from app.seeding import (
    ActorKind,
    ActorRoleInEvent,
    EventStatus,
    EventType,
    LocationKind,
    QuoteKind,
    period_of,
)

T = TypeVar("T")

AnnotationKind = Literal["actor", "location", "event", "quote", "relation", "discrepancy"]
Precision = Literal["day", "month", "year"]

ID_MAX = 200
Q_MAX = 200


# --- shared pieces ----------------------------------------------------------------------------


class DateValue(BaseModel):
    """A date as the sources give it: a period, its precision, and the words used."""

    start: date = Field(description="First day of the period.", examples=["2025-09-01"])
    end: date = Field(description="Last day of the period (inclusive).", examples=["2025-09-30"])
    precision: Precision = Field(
        description="How precisely the source dates it: `day`, `month` or `year`.",
        examples=["month"],
    )
    text: str | None = Field(
        description="The expression as the source wrote it, or null.", examples=["September 2025"]
    )
    basis: str | None = Field(
        default=None,
        description="How a relative or implicit date was resolved (null when the text is explicit).",
        examples=["“On Sunday” in an article published Monday 18 August 2025."],
    )


class Evidence(BaseModel):
    """A span of an article: W3C TextQuoteSelector plus TextPositionSelector.

    Offsets count Unicode code points of the article's `text`; `end` is exclusive, so
    `article.text[start:end] == exact` always holds.
    """

    article: str = Field(description="Id of the article.", examples=["kurdistan24-coalition-shift"])
    start: int = Field(description="Offset of the first code point.", examples=[2531])
    end: int = Field(description="Offset after the last code point.", examples=[2545])
    exact: str = Field(description="The text itself.", examples=["Hussein Allawi"])
    prefix: str = Field(
        description="Up to 32 code points before the span.", examples=["by Kurdistan24, "]
    )
    suffix: str = Field(
        description="Up to 32 code points after the span.", examples=[", an advisor to"]
    )


class ActorRef(BaseModel):
    id: str = Field(examples=["hussein-allawi"])
    name: str = Field(examples=["Hussein Allawi"])


class ActorRefWithKind(ActorRef):
    kind: ActorKind = Field(examples=["person"])


class LocationRef(BaseModel):
    id: str = Field(examples=["ain-al-asad-air-base"])
    name: str = Field(examples=["Ain al-Asad Air Base"])


class Page(BaseModel, Generic[T]):
    """One page of a list. Follow `next_cursor` (or the `Link: rel="next"` header) for the next."""

    data: list[T] = Field(description="The items of this page, in the list's order.")
    has_more: bool = Field(description="Whether another page follows.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


# --- articles ---------------------------------------------------------------------------------


class ArticlePublic(BaseModel):
    id: str = Field(description="Stable slug.", examples=["kurdistan24-coalition-shift"])
    title: str | None = Field(
        description="Headline as printed, or null when the text carries none.",
        examples=["U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership"],
    )
    publisher: str | None = Field(
        description="Who published it, when known.", examples=["Kurdistan24"]
    )
    dateline: str | None = Field(description="The dateline as printed.", examples=["ERBIL"])
    published: DateValue = Field(
        description="Publication date. Neither seed article prints one: `basis` says how it was "
        "reasoned out of the text."
    )
    url: str | None = Field(description="Where it was published, when known.", examples=[None])
    language: str = Field(description="BCP 47 language tag.", examples=["en"])
    sha256: str = Field(description="SHA-256 of the UTF-8 text.")
    length: int = Field(description="Length of `text` in Unicode code points.", examples=[7642])
    notes: str | None = Field(description="How the metadata was established.")


class ArticleDetail(ArticlePublic):
    text: str = Field(description="The article text, verbatim. Evidence offsets index into it.")


class Annotation(BaseModel):
    start: int = Field(examples=[2531])
    end: int = Field(examples=[2545])
    exact: str = Field(examples=["Hussein Allawi"])
    kind: AnnotationKind = Field(description="What the span supports.", examples=["actor"])
    target: str = Field(description="Id of the resource it supports.", examples=["hussein-allawi"])


# --- actors -----------------------------------------------------------------------------------


class ActorPublic(BaseModel):
    id: str = Field(examples=["hussein-allawi"])
    name: str = Field(examples=["Hussein Allawi"])
    kind: ActorKind = Field(examples=["person"])
    aliases: list[str] = Field(
        description="Every surface form the articles use for this actor.",
        examples=[["Hussein Allawi", "Allawi"]],
    )
    description: str | None = Field(examples=["Adviser to Iraq's Prime Minister."])


class RolePublic(BaseModel):
    title: str = Field(examples=["advisor to Prime Minister Mohammed Shia al-Sudani"])
    organization: ActorRef | None
    evidence: list[Evidence]


class RelationPublic(BaseModel):
    id: str = Field(examples=["hussein-allawi--advisor-to--mohammed-shia-al-sudani"])
    predicate: str = Field(examples=["advisor_to"])
    direction: Literal["out", "in"] = Field(
        description="`out`: this actor is the subject (`this predicate other`); `in`: the object."
    )
    other: ActorRefWithKind
    evidence: list[Evidence]


class ActorDetail(ActorPublic):
    roles: list[RolePublic] = Field(description="Titles and roles as the articles state them.")
    relations: list[RelationPublic]
    mentions: list[Evidence] = Field(description="Every mention of the actor, in text order.")


# --- locations --------------------------------------------------------------------------------


class LocationPublic(BaseModel):
    id: str = Field(examples=["ain-al-asad-air-base"])
    name: str = Field(examples=["Ain al-Asad Air Base"])
    kind: LocationKind = Field(examples=["military_base"])
    aliases: list[str] = Field(examples=[["Ain al-Asad"]])
    parent: LocationRef | None
    latitude: float | None = Field(description="WGS84 latitude, or null.", examples=[33.7856])
    longitude: float | None = Field(description="WGS84 longitude, or null.", examples=[42.4411])
    coordinates_source: str | None = Field(
        description="Where the coordinates come from: they are never in the articles."
    )
    description: str | None


class LocationDetail(LocationPublic):
    mentions: list[Evidence]


# --- events -----------------------------------------------------------------------------------


class EventActorPublic(ActorRefWithKind):
    role: ActorRoleInEvent = Field(examples=["speaker"])


class EventActorDetail(EventActorPublic):
    evidence: list[Evidence] = Field(description="The spans that give the actor this role.")


class EventPublic(BaseModel):
    id: str = Field(examples=["2025-08-18-us-embassy-statement"])
    title: str = Field(
        examples=["US Embassy announces the coalition's shift to a bilateral partnership"]
    )
    summary: str | None
    type: EventType = Field(examples=["statement"])
    status: EventStatus = Field(description="As the sources report it.", examples=["occurred"])
    date: DateValue | None = Field(description="Null when the articles give no date.")
    actors: list[EventActorPublic]
    locations: list[LocationRef]
    articles: list[str] = Field(description="Ids of the articles that report the event.")


class QuotePublic(BaseModel):
    id: str = Field(examples=["embassy-not-the-end-of-coalition-work"])
    text: str = Field(description="Verbatim, exactly as between the quotation marks.")
    kind: QuoteKind = Field(examples=["full"])
    speaker: ActorRef | None = Field(description="Null when the article names no speaker.")
    speaker_text: str | None = Field(
        description="How the article refers to the speaker.", examples=["the embassy"]
    )
    reported_via: ActorRef | None = Field(description="E.g. the news agency that carried it.")
    said: DateValue | None
    article: str = Field(examples=["kurdistan24-coalition-shift"])
    events: list[str] = Field(examples=[["2025-08-18-us-embassy-statement"]])
    evidence: list[Evidence] = Field(description="One span per occurrence in the article.")


class EventDetail(EventPublic):
    actors: list[EventActorDetail]  # type: ignore[assignment]
    evidence: list[Evidence] = Field(description="The sentences that report the event.")
    quotes: list[QuotePublic]


# --- discrepancies ----------------------------------------------------------------------------


class AccountPublic(BaseModel):
    article: str = Field(examples=["bilateral-partnership-report"])
    statement: str
    evidence: list[Evidence]


class DiscrepancyPublic(BaseModel):
    id: str = Field(examples=["who-handles-military-details"])
    topic: str
    note: str
    accounts: list[AccountPublic] = Field(description="One account per article.")
    events: list[str]
    actors: list[str]


# --- pages (named, so that OpenAPI shows clean schema names) ----------------------------------


class ArticlePage(Page[ArticlePublic]):
    pass


class AnnotationList(BaseModel):
    data: list[Annotation] = Field(description="Every span of the article, in text order.")


class ActorPage(Page[ActorPublic]):
    pass


class LocationPage(Page[LocationPublic]):
    pass


class EventPage(Page[EventPublic]):
    pass


class QuotePage(Page[QuotePublic]):
    pass


class DiscrepancyPage(Page[DiscrepancyPublic]):
    pass


# --- service ----------------------------------------------------------------------------------


class Counts(BaseModel):
    articles: int
    actors: int
    locations: int
    events: int
    quotes: int
    relations: int
    discrepancies: int
    evidence_spans: int


class Meta(BaseModel):
    dataset_version: str | None = Field(
        description="Hash of the loaded annotations and articles; changes when the data does."
    )
    software_version: str
    counts: Counts
    articles: list[ArticlePublic]


class Health(BaseModel):
    status: Literal["ok"]


# --- query parameters -------------------------------------------------------------------------

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
Limit = Annotated[int, Field(ge=1, le=500, description="Items per page (1-500).")]
Cursor = Annotated[
    str | None,
    Field(max_length=1024, description="Opaque cursor from a previous page's `next_cursor`."),
]
SearchText = Annotated[
    str | None,
    Field(
        max_length=Q_MAX,
        description="Words to find (case, accents and punctuation ignored; each word matches "
        "the start of a word).",
    ),
]
IdFilter = Annotated[str | None, Field(max_length=ID_MAX)]
DateFilter = Annotated[
    str | None,
    Field(
        pattern=DATE_PATTERN,
        description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; matches items whose period overlaps.",
    ),
]


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Limit = 50
    cursor: Cursor = None


class DatedListQuery(ListQuery):
    date_from: DateFilter = None
    date_to: DateFilter = None

    @field_validator("date_from", "date_to")
    @classmethod
    def _valid_calendar_date(cls, value: str | None) -> str | None:
        if value is not None:
            period_of(value)  # raises ValueError for 2025-13 or 2025-02-30
        return value

    def period(self) -> tuple[date | None, date | None]:
        """The requested period: start of `date_from`, end of `date_to`; 422 when reversed."""
        start = period_of(self.date_from)[0] if self.date_from else None
        end = period_of(self.date_to)[1] if self.date_to else None
        if start is not None and end is not None and start > end:
            raise InvalidParameter("date_from", "is after date_to")
        return start, end


class ArticleQuery(ListQuery):
    pass


class ActorQuery(ListQuery):
    q: SearchText = None
    kind: list[ActorKind] | None = Field(default=None, description="One or more kinds.")


class LocationQuery(ListQuery):
    q: SearchText = None
    kind: list[LocationKind] | None = Field(default=None, description="One or more kinds.")
    within: IdFilter = Field(default=None, description="A location id: itself and all inside it.")


class EventQuery(DatedListQuery):
    q: SearchText = None
    type: list[EventType] | None = Field(default=None, description="One or more event types.")
    status: list[EventStatus] | None = Field(default=None, description="One or more statuses.")
    actor: IdFilter = Field(default=None, description="An actor id.")
    location: IdFilter = Field(default=None, description="A location id (places inside it too).")
    article: IdFilter = Field(default=None, description="An article id.")
    sort: Literal["date", "-date"] = Field(
        default="date",
        description="`date` (oldest first) or `-date`; ties by id; undated events come last.",
    )


class ScopedEventQuery(DatedListQuery):
    """Event filters for the nested lists (`/actors/{id}/events`, ...)."""

    q: SearchText = None
    type: list[EventType] | None = None
    status: list[EventStatus] | None = None
    sort: Literal["date", "-date"] = "date"


class QuoteQuery(DatedListQuery):
    q: SearchText = None
    speaker: IdFilter = Field(default=None, description="An actor id.")
    article: IdFilter = Field(default=None, description="An article id.")
    event: IdFilter = Field(default=None, description="An event id.")


class ScopedQuoteQuery(DatedListQuery):
    q: SearchText = None


class DiscrepancyQuery(ListQuery):
    pass


def slug_is_valid(value: str) -> bool:
    """Whether a path id could be one of ours (used to answer 404 without a query)."""
    return len(value) <= 3 * ID_MAX and re.fullmatch(r"[a-z0-9-]+", value) is not None
