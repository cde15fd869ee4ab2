"""JSON-LD views of the API's resources: schema.org for the things, W3C Web Annotation for evidence.

Pure functions from the detail models of ``app.schemas`` to JSON-LD documents (plain dicts, ready
for any JSON encoder). What belongs here is the vocabulary mapping; content negotiation and routes
belong in ``app.routers``, data access in ``app.queries``.

The mapping, and why:

- **Contexts.** A document's ``@context`` is ``https://schema.org`` alone, and each annotation
  carries its own ``"@context": "http://www.w3.org/ns/anno.jsonld"`` (the Web Annotation model
  requires an annotation to name that context). One shared list would not work: anno.jsonld
  redefines ``name``, ``Person``, ``Organization``, ``creator`` and ``value`` (as foaf, dcterms and
  rdf terms), so after schema.org it would turn every ``name`` into ``foaf:name``; before it,
  schema.org's ``target`` would take over the annotations' ``target``. Scoped to the annotation
  nodes, each vocabulary keeps its terms.
- **Identity.** ``@id`` is the resource's API IRI (``{base_url}/v1/events/{id}``...), ``identifier``
  its slug. A reference to another resource is ``{"@id", "@type", "name"}``; ``@type`` is left out
  where the API does not give the kind (a quote's speaker, a role's organization).
- **Dates.** A date object becomes schema.org dates written at its precision, in ISO 8601 reduced
  precision (``2025``, ``2025-09``, ``2025-08-18``), so that an event known to the month is not
  claimed to last the whole month. The exact period (an ISO 8601 interval), the precision, the
  words of the source and the basis are kept as additional properties.
- **Fields schema.org lacks** (event type and status, actor and location kind, date details,
  ...) become ``additionalProperty`` ``PropertyValue``s named after the API field, on every type.
  schema.org lists ``additionalProperty`` for places and products only, but it is the vocabulary's
  extension point and its validator accepts it elsewhere (schemaorg/schemaorg#3540).
- **Evidence** is a list of Web Annotations under ``subjectOf``: motivation ``identifying``,
  ``body`` the IRI(s) of what the span identifies plus, when the span supports a particular claim
  (a role in an event, a title, a relation), a ``TextualBody`` tag naming it; ``target`` the article
  with a ``TextQuoteSelector`` and a ``TextPositionSelector`` (alternatives, as the model defines
  several selectors). Positions count code points of the article's ``text``, ``end`` exclusive.
- **Events.** ``eventStatus`` is always ``EventScheduled`` ("taking place or has taken place as
  scheduled", schema.org's default): schema.org has no value telling occurred from planned, so our
  ``status`` is kept too. Roles: organizer -> ``organizer``, participant -> ``attendee``, speaker ->
  ``performer`` (schema.org: "a presenter"), target and subject -> ``about``. Quotes are linked with
  ``recordedIn``, as schema.org's ``Quotation`` suggests for referencing a quote from an event; the
  reporting articles are in ``subjectOf``.
- **Actors.** person -> ``Person``, state -> ``Country`` and ``Organization`` (it acts: organizer
  and attendee expect an organization or a person), government_body -> ``GovernmentOrganization``,
  coalition -> ``Consortium``, media -> ``NewsMediaOrganization``, others -> ``Organization``.
  A person's titles are ``jobTitle``; a title held in an organization is also a ``memberOf``
  ``OrganizationRole`` (schema.org's Role pattern keeps the title with the organization). Every
  relation is an additional property named by its predicate as seen from this actor (the inverse
  name for an incoming one) with the other actor as value; member_of and part_of are also given
  as ``memberOf``/``member`` and ``parentOrganization``/``subOrganization``.
- **Locations.** country -> ``Country``, region -> ``AdministrativeArea``, city -> ``City``, others
  -> ``Place``; ``containedInPlace`` for the parent; ``geo`` only when both coordinates are known.
- **Quotes.** ``Quotation`` with ``creator`` (the speaker), ``isPartOf`` the article, ``isBasedOn``
  the report of the agency it came through (``reported_via``), ``recordedAt`` its events.
- **Articles.** ``NewsArticle``; the hash describes the UTF-8 text, so it sits on an ``encoding``
  ``MediaObject`` (where schema.org defines ``sha256``); the length in code points, which no
  schema.org property measures, is an additional property.

Null values and empty lists are left out rather than written (JSON-LD reads both as absent). Keys
come in a fixed order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from app.schemas import (
    ActorDetail,
    ActorRef,
    ActorRefWithKind,
    ArticleDetail,
    DateValue,
    EventDetail,
    Evidence,
    LocationDetail,
    LocationRef,
    Precision,
    QuotePublic,
)

LD_MEDIA_TYPE = "application/ld+json"
SCHEMA_ORG_CONTEXT = "https://schema.org"
ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EVENT_SCHEDULED = "https://schema.org/EventScheduled"
TEXT_ENCODING = "text/plain; charset=utf-8"

Node = dict[str, Any]

ACTOR_TYPES: dict[str, str | list[str]] = {
    "person": "Person",
    "state": ["Country", "Organization"],
    "government_body": "GovernmentOrganization",
    "coalition": "Consortium",
    "media": "NewsMediaOrganization",
}
LOCATION_TYPES: dict[str, str] = {
    "country": "Country",
    "region": "AdministrativeArea",
    "city": "City",
}
EVENT_ROLE_PROPERTIES: dict[str, str] = {
    "organizer": "organizer",
    "participant": "attendee",
    "speaker": "performer",
    "target": "about",
    "subject": "about",
}
# How an actor's relation reads from the object's side ("in" relations).
INVERSE_PREDICATES: dict[str, str] = {
    "advisor_to": "advised_by",
    "member_of": "has_member",
    "commander_in": "has_commander",
    "part_of": "has_part",
    "represents": "represented_by",
    "backed_by": "backs",
    "led_by": "leads",
    "heads": "headed_by",
    "controlled_by": "controls",
    "supported": "supported_by",
    "allied_with": "allied_with",
    "opposes": "opposed_by",
}
RELATION_PROPERTIES: dict[tuple[str, str], str] = {
    ("member_of", "out"): "memberOf",
    ("member_of", "in"): "member",
    ("part_of", "out"): "parentOrganization",
    ("part_of", "in"): "subOrganization",
}
_PRECISION_LENGTH: dict[Precision, int] = {"year": 4, "month": 7, "day": 10}


# --- documents --------------------------------------------------------------------------------


def event_document(event: EventDetail, base_url: str) -> dict[str, Any]:
    """An event as a schema.org ``Event``, the evidence of it and of each role as annotations."""
    iri = _iri(base_url, "events", event.id)
    by_role: dict[str, list[Node]] = {"organizer": [], "attendee": [], "performer": [], "about": []}
    for actor in event.actors:
        refs = by_role[EVENT_ROLE_PROPERTIES[actor.role]]
        ref = _actor_ref(base_url, actor)
        if ref not in refs:
            refs.append(ref)
    role_annotations = [
        _annotation(base_url, evidence, [_iri(base_url, "actors", actor.id)], tag=actor.role)
        for actor in event.actors
        for evidence in actor.evidence
    ]
    return _compact(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@id": iri,
            "@type": "Event",
            "identifier": event.id,
            "name": event.title,
            "description": event.summary,
            "startDate": _date(event.date.start, event.date) if event.date else None,
            "endDate": _date(event.date.end, event.date) if event.date else None,
            "eventStatus": EVENT_SCHEDULED,
            "location": [_location_ref(base_url, location) for location in event.locations],
            **by_role,
            "recordedIn": [_quote_ref(base_url, quote) for quote in event.quotes],
            "additionalProperty": _property_values(
                ("type", event.type), ("status", event.status), *_date_details("date", event.date)
            ),
            "subjectOf": [
                *(_article_ref(base_url, article) for article in event.articles),
                *_annotations(base_url, event.evidence, [iri]),
                *role_annotations,
            ],
        }
    )


def actor_document(actor: ActorDetail, base_url: str) -> dict[str, Any]:
    """An actor as a ``Person`` or an organization, with its titles, relations and mentions."""
    iri = _iri(base_url, "actors", actor.id)
    is_person = actor.kind == "person"
    links: dict[str, list[Node]] = {
        "memberOf": [
            {
                "@type": "OrganizationRole",
                "memberOf": _actor_ref(base_url, role.organization),
                "roleName": role.title,
            }
            for role in actor.roles
            if role.organization is not None
        ],
        "member": [],
        "parentOrganization": [],
        "subOrganization": [],
    }
    relations: list[Node] = []
    relation_annotations: list[Node] = []
    for relation in actor.relations:
        other = _actor_ref(base_url, relation.other)
        outgoing = relation.direction == "out"
        linking_property = RELATION_PROPERTIES.get((relation.predicate, relation.direction))
        if linking_property is not None:
            links[linking_property].append(other)
        relations.append(
            {
                "@type": "PropertyValue",
                "identifier": relation.id,
                "name": relation.predicate if outgoing else _inverse(relation.predicate),
                "value": other,
            }
        )
        subject_and_object = [iri, other["@id"]] if outgoing else [other["@id"], iri]
        relation_annotations.extend(
            _annotations(base_url, relation.evidence, subject_and_object, tag=relation.id)
        )
    # A person's titles are all in jobTitle; another actor's title with no organization has no
    # schema.org home.
    other_titles = [] if is_person else [r.title for r in actor.roles if r.organization is None]
    return _compact(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@id": iri,
            "@type": _actor_type(actor.kind),
            "identifier": actor.id,
            "name": actor.name,
            "alternateName": _alternate_names(actor.name, actor.aliases),
            "description": actor.description,
            "jobTitle": _unique(role.title for role in actor.roles) if is_person else None,
            **links,
            "additionalProperty": [
                *_property_values(
                    ("kind", actor.kind), *(("role", title) for title in other_titles)
                ),
                *relations,
            ],
            "subjectOf": [
                *_annotations(base_url, actor.mentions, [iri]),
                *(
                    annotation
                    for role in actor.roles
                    for annotation in _annotations(base_url, role.evidence, [iri], tag=role.title)
                ),
                *relation_annotations,
            ],
        }
    )


def location_document(location: LocationDetail, base_url: str) -> dict[str, Any]:
    """A location as a schema.org ``Place`` (or a subtype), with its coordinates and mentions."""
    iri = _iri(base_url, "locations", location.id)
    has_coordinates = location.latitude is not None and location.longitude is not None
    return _compact(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@id": iri,
            "@type": LOCATION_TYPES.get(location.kind, "Place"),
            "identifier": location.id,
            "name": location.name,
            "alternateName": _alternate_names(location.name, location.aliases),
            "description": location.description,
            "containedInPlace": _location_ref(base_url, location.parent)
            if location.parent is not None
            else None,
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": location.latitude,
                "longitude": location.longitude,
            }
            if has_coordinates
            else None,
            "additionalProperty": _property_values(
                ("kind", location.kind), ("coordinates_source", location.coordinates_source)
            ),
            "subjectOf": _annotations(base_url, location.mentions, [iri]),
        }
    )


def quote_document(quote: QuotePublic, base_url: str) -> dict[str, Any]:
    """A quote as a schema.org ``Quotation``, part of its article, with its occurrences."""
    iri = _iri(base_url, "quotes", quote.id)
    return _compact(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@id": iri,
            "@type": "Quotation",
            "identifier": quote.id,
            "text": quote.text,
            "creator": _actor_ref(base_url, quote.speaker) if quote.speaker is not None else None,
            "dateCreated": _date(quote.said.start, quote.said) if quote.said else None,
            "isPartOf": _article_ref(base_url, quote.article),
            "isBasedOn": {
                "@type": "CreativeWork",
                "publisher": _actor_ref(base_url, quote.reported_via),
            }
            if quote.reported_via is not None
            else None,
            "recordedAt": [
                {"@id": _iri(base_url, "events", event), "@type": "Event"} for event in quote.events
            ],
            "additionalProperty": _property_values(
                ("kind", quote.kind),
                ("speaker_text", quote.speaker_text),
                *_date_details("said", quote.said),
            ),
            "subjectOf": _annotations(base_url, quote.evidence, [iri]),
        }
    )


def article_document(article: ArticleDetail, base_url: str) -> dict[str, Any]:
    """An article as a schema.org ``NewsArticle``, with its text and how its metadata was found."""
    return _compact(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@id": _iri(base_url, "articles", article.id),
            "@type": "NewsArticle",
            "identifier": article.id,
            "headline": article.title,
            "publisher": {"@type": "NewsMediaOrganization", "name": article.publisher}
            if article.publisher is not None
            else None,
            "dateline": article.dateline,
            "datePublished": _date(article.published.start, article.published),
            "url": article.url,
            "inLanguage": article.language,
            "encoding": {
                "@type": "MediaObject",
                "encodingFormat": TEXT_ENCODING,
                "sha256": article.sha256,
            },
            "text": article.text,
            "additionalProperty": [
                {
                    "@type": "PropertyValue",
                    "name": "length",
                    "value": article.length,
                    "unitText": "Unicode code points",
                },
                *_property_values(
                    *_date_details("published", article.published), ("notes", article.notes)
                ),
            ],
        }
    )


# --- pieces -----------------------------------------------------------------------------------


def _compact(node: Node) -> Node:
    """The node without null values and empty lists, which JSON-LD reads as absent anyway."""
    return {key: value for key, value in node.items() if value is not None and value != []}


def _iri(base_url: str, collection: str, resource_id: str) -> str:
    return f"{base_url}/v1/{collection}/{resource_id}"


def _actor_type(kind: str) -> str | list[str]:
    return ACTOR_TYPES.get(kind, "Organization")


def _actor_ref(base_url: str, actor: ActorRef) -> Node:
    kind = actor.kind if isinstance(actor, ActorRefWithKind) else None
    return _compact(
        {
            "@id": _iri(base_url, "actors", actor.id),
            "@type": _actor_type(kind) if kind is not None else None,
            "name": actor.name,
        }
    )


def _location_ref(base_url: str, location: LocationRef) -> Node:
    return {
        "@id": _iri(base_url, "locations", location.id),
        "@type": "Place",
        "name": location.name,
    }


def _quote_ref(base_url: str, quote: QuotePublic) -> Node:
    return {"@id": _iri(base_url, "quotes", quote.id), "@type": "Quotation", "text": quote.text}


def _article_ref(base_url: str, article_id: str) -> Node:
    return {"@id": _iri(base_url, "articles", article_id), "@type": "NewsArticle"}


def _inverse(predicate: str) -> str:
    return INVERSE_PREDICATES.get(predicate, f"inverse_of_{predicate}")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _alternate_names(name: str, aliases: Sequence[str]) -> list[str]:
    return _unique(alias for alias in aliases if alias != name)


def _date(day: date, value: DateValue) -> str:
    """``day`` in ISO 8601 at the precision of ``value``: ``2025``, ``2025-09`` or ``2025-09-01``."""
    return day.isoformat()[: _PRECISION_LENGTH[value.precision]]


def _date_details(field: str, value: DateValue | None) -> list[tuple[str, object]]:
    """What a schema.org date cannot say: the exact period, the precision, the words, the basis."""
    if value is None:
        return []
    return [
        (f"{field}_period", f"{value.start.isoformat()}/{value.end.isoformat()}"),
        (f"{field}_precision", value.precision),
        (f"{field}_text", value.text),
        (f"{field}_basis", value.basis),
    ]


def _property_values(*pairs: tuple[str, object]) -> list[Node]:
    """``PropertyValue``s for the (name, value) pairs whose value is not null."""
    return [
        {"@type": "PropertyValue", "name": name, "value": value}
        for name, value in pairs
        if value is not None
    ]


def _annotations(
    base_url: str, spans: Iterable[Evidence], identified: Sequence[str], tag: str | None = None
) -> list[Node]:
    return [_annotation(base_url, evidence, identified, tag) for evidence in spans]


def _annotation(
    base_url: str, evidence: Evidence, identified: Sequence[str], tag: str | None = None
) -> Node:
    """A Web Annotation: the span ``evidence`` identifies the resources ``identified``.

    ``tag`` names the claim the span supports (a role, a title, a relation id).
    """
    body: list[str | Node] = list(identified)
    if tag is not None:
        body.append({"type": "TextualBody", "purpose": "tagging", "value": tag})
    return {
        "@context": ANNOTATION_CONTEXT,
        "type": "Annotation",
        "motivation": "identifying",
        "body": body,
        "target": {
            "type": "SpecificResource",
            "source": _iri(base_url, "articles", evidence.article),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": evidence.exact,
                    "prefix": evidence.prefix,
                    "suffix": evidence.suffix,
                },
                {"type": "TextPositionSelector", "start": evidence.start, "end": evidence.end},
            ],
        },
    }
