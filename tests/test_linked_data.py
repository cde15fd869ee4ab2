"""The JSON-LD views: schema.org documents with W3C Web Annotation evidence, from the API's models.

The models are built here from seed values (ids, names, spans and offsets as the API serves them),
so these tests need neither a database nor the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, get_args

import pytest

from app.linked_data import (
    INVERSE_PREDICATES,
    LD_MEDIA_TYPE,
    actor_document,
    article_document,
    event_document,
    location_document,
    quote_document,
)
from app.schemas import (
    ActorDetail,
    ActorRef,
    ActorRefWithKind,
    ArticleDetail,
    DateValue,
    EventActorDetail,
    EventDetail,
    Evidence,
    LocationDetail,
    LocationRef,
    QuotePublic,
    RelationPublic,
    RolePublic,
)
from app.seeding import ActorKind, LocationKind, Predicate

BASE = "http://testserver"
K24 = "kurdistan24-coalition-shift"
REPORT = "bilateral-partnership-report"
STATEMENT = "2025-08-18-us-embassy-statement"
NOT_THE_END = (
    "This is not the end of the work of the international coalition to defeat ISIS, as it will "
    "continue its civilian-led efforts at the global level,"
)
K24_OPENING = (
    "U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership\n"
    f'"{NOT_THE_END}" the embassy added.'
)
K24_OPENING_SHA256 = "e7f0c0b665e1278cbd234f40bd95ee4ce25d0b5f517aa3b8ab665f7d009b1dc6"
ALLAWI_AS_ADVISOR = "Hussein Allawi, an advisor to Prime Minister Mohammed Shia al-Sudani"
ANNO = "http://www.w3.org/ns/anno.jsonld"


# --- factories --------------------------------------------------------------------------------


def not_the_end_quote() -> QuotePublic:
    return QuotePublic(
        id="embassy-not-the-end-of-coalition-work",
        text=NOT_THE_END,
        kind="full",
        speaker=ActorRef(id="us-embassy-baghdad", name="U.S. Embassy in Baghdad"),
        speaker_text="the embassy",
        reported_via=ActorRef(id="iraqi-news-agency", name="Iraqi News Agency"),
        said=DateValue(
            start=date(2025, 8, 18),
            end=date(2025, 8, 18),
            precision="day",
            text="on Monday",
            basis='Received by the Iraqi News Agency "on Monday": 2025-08-18.',
        ),
        article=K24,
        events=[STATEMENT],
        evidence=[
            Evidence(
                article=K24,
                start=76,
                end=220,
                exact=NOT_THE_END,
                prefix='Bilateral Security Partnership\n"',
                suffix='" the embassy added.\n\nERBIL (Kur',
            ),
            Evidence(
                article=K24,
                start=1259,
                end=1403,
                exact=NOT_THE_END,
                prefix='n against the terrorist group.\n"',
                suffix='" the embassy added, according t',
            ),
        ],
    )


def embassy_statement() -> EventDetail:
    return EventDetail(
        id=STATEMENT,
        title="US Embassy in Baghdad announces the coalition's shift to a bilateral security "
        "partnership",
        summary="The US Embassy in Baghdad announced that the coalition's military mission in Iraq "
        "will transition to a bilateral security partnership.",
        type="statement",
        status="occurred",
        date=DateValue(
            start=date(2025, 8, 18),
            end=date(2025, 8, 18),
            precision="day",
            text="Monday, August 18, 2025",
        ),
        actors=[
            EventActorDetail(
                id="us-embassy-baghdad",
                name="U.S. Embassy in Baghdad",
                kind="government_body",
                role="speaker",
                evidence=[
                    Evidence(
                        article=K24,
                        start=523,
                        end=576,
                        exact="The formal statement from the U.S. Embassy in Baghdad",
                        prefix="bilateral security partnership. ",
                        suffix=" solidifies a major strategic sh",
                    )
                ],
            ),
            EventActorDetail(
                id="united-states",
                name="United States",
                kind="state",
                role="organizer",
                evidence=[],
            ),
            EventActorDetail(
                id="iraqi-news-agency",
                name="Iraqi News Agency",
                kind="media",
                role="participant",
                evidence=[],
            ),
            EventActorDetail(
                id="isis", name="ISIS", kind="armed_group", role="subject", evidence=[]
            ),
        ],
        locations=[LocationRef(id="baghdad", name="Baghdad")],
        articles=[REPORT, K24],
        evidence=[
            Evidence(
                article=REPORT,
                start=91,
                end=171,
                exact="The announcement came from the US Embassy in Baghdad on Monday, August 18, "
                "2025.",
                prefix="bilateral security partnership. ",
                suffix=" Officials confirmed that the in",
            )
        ],
        quotes=[not_the_end_quote()],
    )


def first_withdrawal_phase() -> EventDetail:
    return EventDetail(
        id="2025-09-first-withdrawal-phase",
        title="First phase of the coalition withdrawal",
        summary=None,
        type="withdrawal",
        status="planned",
        date=DateValue(
            start=date(2025, 9, 1), end=date(2025, 9, 30), precision="month", text="September 2025"
        ),
        actors=[],
        locations=[LocationRef(id="ain-al-asad-air-base", name="Ain al-Asad Air Base")],
        articles=[REPORT, K24],
        evidence=[],
        quotes=[],
    )


def hussein_allawi() -> ActorDetail:
    advisor_span = Evidence(
        article=K24,
        start=3167,
        end=3235,
        exact=ALLAWI_AS_ADVISOR,
        prefix="iously reported by Kurdistan24, ",
        suffix=", stated that the mission would ",
    )
    return ActorDetail(
        id="hussein-allawi",
        name="Hussein Allawi",
        kind="person",
        aliases=["Hussein Allawi", "Allawi", "The advisor"],
        description="Adviser to Iraqi Prime Minister Mohammed Shia al-Sudani.",
        roles=[
            RolePublic(
                title="Adviser",
                organization=None,
                evidence=[
                    Evidence(
                        article=REPORT,
                        start=1060,
                        end=1082,
                        exact="Adviser Hussein Allawi",
                        prefix="anage and secure its territory.\n",
                        suffix=" explained that Iraq aims to bui",
                    )
                ],
            ),
            RolePublic(
                title="advisor to Prime Minister Mohammed Shia al-Sudani",
                organization=ActorRef(id="iraqi-government", name="Iraqi government"),
                evidence=[advisor_span],
            ),
        ],
        relations=[
            RelationPublic(
                id="hussein-allawi--advisor-to--mohammed-shia-al-sudani",
                predicate="advisor_to",
                direction="out",
                other=ActorRefWithKind(
                    id="mohammed-shia-al-sudani", name="Mohammed Shia al-Sudani", kind="person"
                ),
                evidence=[advisor_span],
            )
        ],
        mentions=[
            Evidence(
                article=K24,
                start=3167,
                end=3181,
                exact="Hussein Allawi",
                prefix="iously reported by Kurdistan24, ",
                suffix=", an advisor to Prime Minister M",
            )
        ],
        mentions_omitted=0,
    )


def iraqi_government() -> ActorDetail:
    def incoming(subject: str, name: str, kind: ActorKind, predicate: str) -> RelationPublic:
        return RelationPublic(
            id=f"{subject}--{predicate.replace('_', '-')}--iraqi-government",
            predicate=predicate,
            direction="in",
            other=ActorRefWithKind(id=subject, name=name, kind=kind),
            evidence=[],
        )

    return ActorDetail(
        id="iraqi-government",
        name="Iraqi government",
        kind="government_body",
        aliases=["Iraqi government", "the Iraqi government"],
        description=None,
        roles=[],
        relations=[
            incoming("mohammed-shia-al-sudani", "Mohammed Shia al-Sudani", "person", "heads"),
            incoming("fuad-hussein", "Fuad Hussein", "person", "member_of"),
            incoming(
                "iraqi-ministry-of-foreign-affairs",
                "Iraqi Ministry of Foreign Affairs",
                "government_body",
                "part_of",
            ),
        ],
        mentions=[],
        mentions_omitted=0,
    )


def ain_al_asad() -> LocationDetail:
    return LocationDetail(
        id="ain-al-asad-air-base",
        name="Ain al-Asad Air Base",
        kind="military_base",
        aliases=["Ain al-Asad base", "Ain al-Asad airbase"],
        parent=LocationRef(id="iraq", name="Iraq"),
        latitude=33.7856,
        longitude=42.4412,
        coordinates_source="Approximate coordinates from public references; not in the articles.",
        description="Air base in Iraq where the coalition has a presence.",
        mentions=[
            Evidence(
                article=K24,
                start=3426,
                end=3445,
                exact="Ain al-Asad airbase",
                prefix="headquarters and at the crucial ",
                suffix=".\nAccording to Allawi, who spoke",
            )
        ],
        mentions_omitted=0,
    )


def kurdistan24_article() -> ArticleDetail:
    return ArticleDetail(
        id=K24,
        title="U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership",
        publisher="Kurdistan24",
        dateline="ERBIL",
        published=DateValue(
            start=date(2025, 8, 18),
            end=date(2025, 8, 18),
            precision="day",
            text=None,
            basis="No publication date is printed: inferred from the text.",
        ),
        url=None,
        language="en",
        sha256=K24_OPENING_SHA256,
        length=len(K24_OPENING),
        notes="The title is the first line of the file.",
        text=K24_OPENING,
    )


def expected_annotation(
    body: list[Any], article: str, start: int, end: int, exact: str, prefix: str, suffix: str
) -> dict[str, Any]:
    return {
        "@context": ANNO,
        "type": "Annotation",
        "motivation": "identifying",
        "body": body,
        "target": {
            "type": "SpecificResource",
            "source": f"{BASE}/v1/articles/{article}",
            "selector": [
                {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def tag(value: str) -> dict[str, str]:
    return {"type": "TextualBody", "purpose": "tagging", "value": value}


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``value``, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from nodes(item)


def all_documents() -> list[dict[str, Any]]:
    return [
        event_document(embassy_statement(), BASE),
        event_document(first_withdrawal_phase(), BASE),
        actor_document(hussein_allawi(), BASE),
        actor_document(iraqi_government(), BASE),
        location_document(ain_al_asad(), BASE),
        quote_document(not_the_end_quote(), BASE),
        article_document(kurdistan24_article(), BASE),
    ]


# --- documents in general ---------------------------------------------------------------------


def test_media_type_is_json_ld() -> None:
    assert LD_MEDIA_TYPE == "application/ld+json"


def test_documents_use_schema_org_and_scope_the_annotation_context_to_annotations() -> None:
    for document in all_documents():
        assert document["@context"] == "https://schema.org"
        contexts = [node["@context"] for node in nodes(document) if "@context" in node]
        annotations = [node for node in nodes(document) if node.get("type") == "Annotation"]
        assert contexts == ["https://schema.org"] + [ANNO] * len(annotations)
        assert all(annotation["@context"] == ANNO for annotation in annotations)


def test_documents_hold_no_nulls_and_serialise_as_json() -> None:
    for document in all_documents():
        assert all(value is not None for node in nodes(document) for value in node.values())
        assert json.loads(json.dumps(document)) == document


def test_position_selectors_select_the_quote_selectors_text() -> None:
    article = kurdistan24_article()
    quote = quote_document(not_the_end_quote(), BASE)

    first = quote["subjectOf"][0]["target"]["selector"]

    assert article.text[first[1]["start"] : first[1]["end"]] == first[0]["exact"]


# --- events -----------------------------------------------------------------------------------


def test_event_document_maps_an_event_to_a_schema_org_event() -> None:
    document = event_document(embassy_statement(), BASE)

    assert document == {
        "@context": "https://schema.org",
        "@id": f"{BASE}/v1/events/{STATEMENT}",
        "@type": "Event",
        "identifier": STATEMENT,
        "name": "US Embassy in Baghdad announces the coalition's shift to a bilateral security "
        "partnership",
        "description": "The US Embassy in Baghdad announced that the coalition's military mission "
        "in Iraq will transition to a bilateral security partnership.",
        "startDate": "2025-08-18",
        "endDate": "2025-08-18",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": [{"@id": f"{BASE}/v1/locations/baghdad", "@type": "Place", "name": "Baghdad"}],
        "organizer": [
            {
                "@id": f"{BASE}/v1/actors/united-states",
                "@type": ["Country", "Organization"],
                "name": "United States",
            }
        ],
        "attendee": [
            {
                "@id": f"{BASE}/v1/actors/iraqi-news-agency",
                "@type": "NewsMediaOrganization",
                "name": "Iraqi News Agency",
            }
        ],
        "performer": [
            {
                "@id": f"{BASE}/v1/actors/us-embassy-baghdad",
                "@type": "GovernmentOrganization",
                "name": "U.S. Embassy in Baghdad",
            }
        ],
        "about": [{"@id": f"{BASE}/v1/actors/isis", "@type": "Organization", "name": "ISIS"}],
        "recordedIn": [
            {
                "@id": f"{BASE}/v1/quotes/embassy-not-the-end-of-coalition-work",
                "@type": "Quotation",
                "text": NOT_THE_END,
            }
        ],
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "type", "value": "statement"},
            {"@type": "PropertyValue", "name": "status", "value": "occurred"},
            {"@type": "PropertyValue", "name": "date_period", "value": "2025-08-18/2025-08-18"},
            {"@type": "PropertyValue", "name": "date_precision", "value": "day"},
            {"@type": "PropertyValue", "name": "date_text", "value": "Monday, August 18, 2025"},
        ],
        "subjectOf": [
            {"@id": f"{BASE}/v1/articles/{REPORT}", "@type": "NewsArticle"},
            {"@id": f"{BASE}/v1/articles/{K24}", "@type": "NewsArticle"},
            expected_annotation(
                [f"{BASE}/v1/events/{STATEMENT}"],
                REPORT,
                91,
                171,
                "The announcement came from the US Embassy in Baghdad on Monday, August 18, 2025.",
                "bilateral security partnership. ",
                " Officials confirmed that the in",
            ),
            expected_annotation(
                [f"{BASE}/v1/actors/us-embassy-baghdad", tag("speaker")],
                K24,
                523,
                576,
                "The formal statement from the U.S. Embassy in Baghdad",
                "bilateral security partnership. ",
                " solidifies a major strategic sh",
            ),
        ],
    }


def test_event_document_writes_dates_at_their_precision() -> None:
    document = event_document(first_withdrawal_phase(), BASE)

    assert (document["startDate"], document["endDate"]) == ("2025-09", "2025-09")
    assert document["additionalProperty"] == [
        {"@type": "PropertyValue", "name": "type", "value": "withdrawal"},
        {"@type": "PropertyValue", "name": "status", "value": "planned"},
        {"@type": "PropertyValue", "name": "date_period", "value": "2025-09-01/2025-09-30"},
        {"@type": "PropertyValue", "name": "date_precision", "value": "month"},
        {"@type": "PropertyValue", "name": "date_text", "value": "September 2025"},
    ]


def test_event_document_writes_a_period_over_months_as_its_first_and_last_month() -> None:
    transition = first_withdrawal_phase().model_copy(
        update={
            "date": DateValue(
                start=date(2025, 9, 1), end=date(2026, 9, 30), precision="month", text=None
            )
        }
    )

    document = event_document(transition, BASE)

    assert (document["startDate"], document["endDate"]) == ("2025-09", "2026-09")


def test_event_document_omits_what_the_articles_do_not_give() -> None:
    undated = first_withdrawal_phase().model_copy(update={"date": None, "locations": []})

    document = event_document(undated, BASE)

    assert list(document) == [
        "@context",
        "@id",
        "@type",
        "identifier",
        "name",
        "eventStatus",
        "additionalProperty",
        "subjectOf",
    ]
    assert [p["name"] for p in document["additionalProperty"]] == ["type", "status"]


def test_event_document_lists_an_actor_once_per_property() -> None:
    isis = EventActorDetail(id="isis", name="ISIS", kind="armed_group", role="target", evidence=[])
    event = embassy_statement()
    event = event.model_copy(update={"actors": [*event.actors, isis]})

    document = event_document(event, BASE)

    assert document["about"] == [
        {"@id": f"{BASE}/v1/actors/isis", "@type": "Organization", "name": "ISIS"}
    ]


# --- actors -----------------------------------------------------------------------------------


def test_actor_document_maps_a_person_with_titles_relations_and_mentions() -> None:
    document = actor_document(hussein_allawi(), BASE)

    allawi = f"{BASE}/v1/actors/hussein-allawi"
    sudani = f"{BASE}/v1/actors/mohammed-shia-al-sudani"
    assert document == {
        "@context": "https://schema.org",
        "@id": allawi,
        "@type": "Person",
        "identifier": "hussein-allawi",
        "name": "Hussein Allawi",
        "alternateName": ["Allawi", "The advisor"],
        "description": "Adviser to Iraqi Prime Minister Mohammed Shia al-Sudani.",
        "jobTitle": ["Adviser", "advisor to Prime Minister Mohammed Shia al-Sudani"],
        "memberOf": [
            {
                "@type": "OrganizationRole",
                "memberOf": {
                    "@id": f"{BASE}/v1/actors/iraqi-government",
                    "name": "Iraqi government",
                },
                "roleName": "advisor to Prime Minister Mohammed Shia al-Sudani",
            }
        ],
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "kind", "value": "person"},
            {
                "@type": "PropertyValue",
                "identifier": "hussein-allawi--advisor-to--mohammed-shia-al-sudani",
                "name": "advisor_to",
                "value": {"@id": sudani, "@type": "Person", "name": "Mohammed Shia al-Sudani"},
            },
        ],
        "subjectOf": [
            expected_annotation(
                [allawi],
                K24,
                3167,
                3181,
                "Hussein Allawi",
                "iously reported by Kurdistan24, ",
                ", an advisor to Prime Minister M",
            ),
            expected_annotation(
                [allawi, tag("Adviser")],
                REPORT,
                1060,
                1082,
                "Adviser Hussein Allawi",
                "anage and secure its territory.\n",
                " explained that Iraq aims to bui",
            ),
            expected_annotation(
                [allawi, tag("advisor to Prime Minister Mohammed Shia al-Sudani")],
                K24,
                3167,
                3235,
                ALLAWI_AS_ADVISOR,
                "iously reported by Kurdistan24, ",
                ", stated that the mission would ",
            ),
            expected_annotation(
                [allawi, sudani, tag("hussein-allawi--advisor-to--mohammed-shia-al-sudani")],
                K24,
                3167,
                3235,
                ALLAWI_AS_ADVISOR,
                "iously reported by Kurdistan24, ",
                ", stated that the mission would ",
            ),
        ],
    }


def test_actor_document_names_incoming_relations_from_the_actors_side() -> None:
    document = actor_document(iraqi_government(), BASE)

    relations = [p for p in document["additionalProperty"] if "identifier" in p]
    assert [(p["name"], p["value"]["@id"]) for p in relations] == [
        ("headed_by", f"{BASE}/v1/actors/mohammed-shia-al-sudani"),
        ("has_member", f"{BASE}/v1/actors/fuad-hussein"),
        ("has_part", f"{BASE}/v1/actors/iraqi-ministry-of-foreign-affairs"),
    ]


def test_actor_document_gives_membership_and_parts_in_schema_org_terms_too() -> None:
    government = actor_document(iraqi_government(), BASE)
    ministry = actor_document(
        iraqi_government().model_copy(
            update={
                "id": "iraqi-ministry-of-foreign-affairs",
                "name": "Iraqi Ministry of Foreign Affairs",
                "relations": [
                    RelationPublic(
                        id="iraqi-ministry-of-foreign-affairs--part-of--iraqi-government",
                        predicate="part_of",
                        direction="out",
                        other=ActorRefWithKind(
                            id="iraqi-government", name="Iraqi government", kind="government_body"
                        ),
                        evidence=[],
                    )
                ],
            }
        ),
        BASE,
    )

    assert government["member"] == [
        {"@id": f"{BASE}/v1/actors/fuad-hussein", "@type": "Person", "name": "Fuad Hussein"}
    ]
    assert government["subOrganization"] == [
        {
            "@id": f"{BASE}/v1/actors/iraqi-ministry-of-foreign-affairs",
            "@type": "GovernmentOrganization",
            "name": "Iraqi Ministry of Foreign Affairs",
        }
    ]
    assert "memberOf" not in government
    assert ministry["parentOrganization"] == [
        {
            "@id": f"{BASE}/v1/actors/iraqi-government",
            "@type": "GovernmentOrganization",
            "name": "Iraqi government",
        }
    ]


def test_actor_document_keeps_an_organizations_title_without_organization() -> None:
    agency = ActorDetail(
        id="iraqi-news-agency",
        name="Iraqi News Agency",
        kind="media",
        aliases=["Iraqi News Agency", "INA"],
        description="State-run Iraqi news agency.",
        roles=[RolePublic(title="state-run news agency", organization=None, evidence=[])],
        relations=[],
        mentions=[],
        mentions_omitted=0,
    )

    document = actor_document(agency, BASE)

    assert "jobTitle" not in document
    assert document["additionalProperty"] == [
        {"@type": "PropertyValue", "name": "kind", "value": "media"},
        {"@type": "PropertyValue", "name": "role", "value": "state-run news agency"},
    ]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("person", "Person"),
        ("state", ["Country", "Organization"]),
        ("government_body", "GovernmentOrganization"),
        ("coalition", "Consortium"),
        ("media", "NewsMediaOrganization"),
        ("organization", "Organization"),
        ("armed_group", "Organization"),
        ("other", "Organization"),
    ],
)
def test_actor_document_types_each_kind(kind: ActorKind, expected: str | list[str]) -> None:
    actor = hussein_allawi().model_copy(update={"kind": kind})

    assert actor_document(actor, BASE)["@type"] == expected


def test_every_predicate_has_an_inverse_name() -> None:
    assert set(INVERSE_PREDICATES) == set(get_args(Predicate))


# --- locations --------------------------------------------------------------------------------


def test_location_document_maps_a_place_with_coordinates_and_mentions() -> None:
    document = location_document(ain_al_asad(), BASE)

    assert document == {
        "@context": "https://schema.org",
        "@id": f"{BASE}/v1/locations/ain-al-asad-air-base",
        "@type": "Place",
        "identifier": "ain-al-asad-air-base",
        "name": "Ain al-Asad Air Base",
        "alternateName": ["Ain al-Asad base", "Ain al-Asad airbase"],
        "description": "Air base in Iraq where the coalition has a presence.",
        "containedInPlace": {"@id": f"{BASE}/v1/locations/iraq", "@type": "Place", "name": "Iraq"},
        "geo": {"@type": "GeoCoordinates", "latitude": 33.7856, "longitude": 42.4412},
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "kind", "value": "military_base"},
            {
                "@type": "PropertyValue",
                "name": "coordinates_source",
                "value": "Approximate coordinates from public references; not in the articles.",
            },
        ],
        "subjectOf": [
            expected_annotation(
                [f"{BASE}/v1/locations/ain-al-asad-air-base"],
                K24,
                3426,
                3445,
                "Ain al-Asad airbase",
                "headquarters and at the crucial ",
                ".\nAccording to Allawi, who spoke",
            )
        ],
    }


def test_location_document_leaves_out_geo_unless_both_coordinates_are_known() -> None:
    half_known = ain_al_asad().model_copy(
        update={"longitude": None, "coordinates_source": None, "parent": None}
    )

    document = location_document(half_known, BASE)

    assert "geo" not in document
    assert "containedInPlace" not in document
    assert document["additionalProperty"] == [
        {"@type": "PropertyValue", "name": "kind", "value": "military_base"}
    ]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("country", "Country"),
        ("region", "AdministrativeArea"),
        ("city", "City"),
        ("military_base", "Place"),
        ("facility", "Place"),
        ("other", "Place"),
    ],
)
def test_location_document_types_each_kind(kind: LocationKind, expected: str) -> None:
    location = ain_al_asad().model_copy(update={"kind": kind})

    assert location_document(location, BASE)["@type"] == expected


# --- quotes -----------------------------------------------------------------------------------


def test_quote_document_maps_a_quote_to_a_quotation_with_its_occurrences() -> None:
    document = quote_document(not_the_end_quote(), BASE)

    quote = f"{BASE}/v1/quotes/embassy-not-the-end-of-coalition-work"
    assert document == {
        "@context": "https://schema.org",
        "@id": quote,
        "@type": "Quotation",
        "identifier": "embassy-not-the-end-of-coalition-work",
        "text": NOT_THE_END,
        "creator": {
            "@id": f"{BASE}/v1/actors/us-embassy-baghdad",
            "name": "U.S. Embassy in Baghdad",
        },
        "dateCreated": "2025-08-18",
        "isPartOf": {"@id": f"{BASE}/v1/articles/{K24}", "@type": "NewsArticle"},
        "isBasedOn": {
            "@type": "CreativeWork",
            "publisher": {
                "@id": f"{BASE}/v1/actors/iraqi-news-agency",
                "name": "Iraqi News Agency",
            },
        },
        "recordedAt": [{"@id": f"{BASE}/v1/events/{STATEMENT}", "@type": "Event"}],
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "kind", "value": "full"},
            {"@type": "PropertyValue", "name": "speaker_text", "value": "the embassy"},
            {"@type": "PropertyValue", "name": "said_period", "value": "2025-08-18/2025-08-18"},
            {"@type": "PropertyValue", "name": "said_precision", "value": "day"},
            {"@type": "PropertyValue", "name": "said_text", "value": "on Monday"},
            {
                "@type": "PropertyValue",
                "name": "said_basis",
                "value": 'Received by the Iraqi News Agency "on Monday": 2025-08-18.',
            },
        ],
        "subjectOf": [
            {
                "@context": ANNO,
                "type": "Annotation",
                "motivation": "identifying",
                "body": [quote],
                "target": {
                    "type": "SpecificResource",
                    "source": f"{BASE}/v1/articles/{K24}",
                    "selector": [
                        {
                            "type": "TextQuoteSelector",
                            "exact": NOT_THE_END,
                            "prefix": 'Bilateral Security Partnership\n"',
                            "suffix": '" the embassy added.\n\nERBIL (Kur',
                        },
                        {"type": "TextPositionSelector", "start": 76, "end": 220},
                    ],
                },
            },
            {
                "@context": ANNO,
                "type": "Annotation",
                "motivation": "identifying",
                "body": [quote],
                "target": {
                    "type": "SpecificResource",
                    "source": f"{BASE}/v1/articles/{K24}",
                    "selector": [
                        {
                            "type": "TextQuoteSelector",
                            "exact": NOT_THE_END,
                            "prefix": 'n against the terrorist group.\n"',
                            "suffix": '" the embassy added, according t',
                        },
                        {"type": "TextPositionSelector", "start": 1259, "end": 1403},
                    ],
                },
            },
        ],
    }


def test_quote_document_omits_an_unnamed_speaker_agency_and_date() -> None:
    anonymous = not_the_end_quote().model_copy(
        update={"speaker": None, "speaker_text": None, "reported_via": None, "said": None}
    )

    document = quote_document(anonymous, BASE)

    assert "creator" not in document
    assert "isBasedOn" not in document
    assert "dateCreated" not in document
    assert document["additionalProperty"] == [
        {"@type": "PropertyValue", "name": "kind", "value": "full"}
    ]


# --- articles ---------------------------------------------------------------------------------


def test_article_document_maps_an_article_to_a_news_article() -> None:
    document = article_document(kurdistan24_article(), BASE)

    assert document == {
        "@context": "https://schema.org",
        "@id": f"{BASE}/v1/articles/{K24}",
        "@type": "NewsArticle",
        "identifier": K24,
        "headline": "U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership",
        "publisher": {"@type": "NewsMediaOrganization", "name": "Kurdistan24"},
        "dateline": "ERBIL",
        "datePublished": "2025-08-18",
        "inLanguage": "en",
        "encoding": {
            "@type": "MediaObject",
            "encodingFormat": "text/plain; charset=utf-8",
            "sha256": K24_OPENING_SHA256,
        },
        "text": K24_OPENING,
        "additionalProperty": [
            {
                "@type": "PropertyValue",
                "name": "length",
                "value": 240,
                "unitText": "Unicode code points",
            },
            {
                "@type": "PropertyValue",
                "name": "published_period",
                "value": "2025-08-18/2025-08-18",
            },
            {"@type": "PropertyValue", "name": "published_precision", "value": "day"},
            {
                "@type": "PropertyValue",
                "name": "published_basis",
                "value": "No publication date is printed: inferred from the text.",
            },
            {
                "@type": "PropertyValue",
                "name": "notes",
                "value": "The title is the first line of the file.",
            },
        ],
    }


def test_article_document_omits_unprinted_metadata_and_dates_to_the_month() -> None:
    report = ArticleDetail(
        id=REPORT,
        title=None,
        publisher=None,
        dateline=None,
        published=DateValue(
            start=date(2025, 8, 18), end=date(2025, 8, 31), precision="month", text=None
        ),
        url=None,
        language="en",
        sha256="fab88a7255c41900a8f5a42dbb21c1416b477dfb6e8808c337f2bad19486dbf1",
        length=2392,
        notes=None,
        text="Iraq and the United States announced a major step toward a bilateral security "
        "partnership.",
    )

    document = article_document(report, BASE)

    assert list(document) == [
        "@context",
        "@id",
        "@type",
        "identifier",
        "datePublished",
        "inLanguage",
        "encoding",
        "text",
        "additionalProperty",
    ]
    assert document["datePublished"] == "2025-08"
    assert document["additionalProperty"][1:] == [
        {"@type": "PropertyValue", "name": "published_period", "value": "2025-08-18/2025-08-31"},
        {"@type": "PropertyValue", "name": "published_precision", "value": "month"},
    ]


def test_article_document_links_to_the_original_when_its_url_is_known() -> None:
    article = kurdistan24_article().model_copy(
        update={"url": "https://example.org/kurdistan24-coalition-shift"}
    )

    assert article_document(article, BASE)["url"] == (
        "https://example.org/kurdistan24-coalition-shift"
    )
