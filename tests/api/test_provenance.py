"""Every claim can be checked against the article text: every span equals the text at its offsets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient


def spans_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every evidence span anywhere inside a JSON document."""
    if isinstance(value, dict):
        if {"article", "start", "end", "exact", "prefix", "suffix"} <= set(value):
            yield value
        for item in value.values():
            yield from spans_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from spans_in(item)


def all_ids(client: TestClient, resource: str) -> list[str]:
    return [item["id"] for item in client.get(f"/v1/{resource}?limit=500").json()["data"]]


def test_every_evidence_span_of_every_resource_equals_the_article_text(client: TestClient) -> None:
    texts = {a: client.get(f"/v1/articles/{a}").json()["text"] for a in all_ids(client, "articles")}
    checked = 0
    for resource in ("events", "actors", "locations", "quotes", "discrepancies"):
        for item_id in all_ids(client, resource):
            for span in spans_in(client.get(f"/v1/{resource}/{item_id}").json()):
                text = texts[span["article"]]
                assert text[span["start"] : span["end"]] == span["exact"]
                assert text[: span["start"]].endswith(span["prefix"])
                assert text[span["end"] :].startswith(span["suffix"])
                assert len(span["prefix"]) == min(32, span["start"])
                checked += 1
    assert checked > 400


def test_every_annotation_equals_the_article_text_and_comes_in_text_order(
    client: TestClient,
) -> None:
    for article_id in all_ids(client, "articles"):
        text = client.get(f"/v1/articles/{article_id}").json()["text"]
        annotations = client.get(f"/v1/articles/{article_id}/annotations").json()["data"]
        assert annotations
        for annotation in annotations:
            assert text[annotation["start"] : annotation["end"]] == annotation["exact"]
        positions = [(a["start"], a["end"]) for a in annotations]
        assert positions == sorted(positions)
        kinds = {a["kind"] for a in annotations}
        assert kinds <= {"actor", "location", "event", "quote", "relation", "discrepancy"}


def test_every_quote_is_verbatim_at_each_of_its_spans(client: TestClient) -> None:
    quotes = client.get("/v1/quotes?limit=500").json()["data"]
    assert len(quotes) == 9
    for quote in quotes:
        text = client.get(f"/v1/articles/{quote['article']}").json()["text"]
        assert quote["evidence"]
        for span in quote["evidence"]:
            assert span["article"] == quote["article"]
            assert text[span["start"] : span["end"]] == quote["text"] == span["exact"]
        assert len(quote["evidence"]) == text.count(quote["text"])


def test_article_sha256_and_length_describe_the_text(client: TestClient) -> None:
    for article_id in all_ids(client, "articles"):
        article = client.get(f"/v1/articles/{article_id}").json()
        assert article["sha256"] == hashlib.sha256(article["text"].encode("utf-8")).hexdigest()
        assert article["length"] == len(article["text"])
