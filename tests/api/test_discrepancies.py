"""/v1/discrepancies: both articles' accounts where they differ."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_two_accounts_of_who_handles_military_details(client: TestClient) -> None:
    item = client.get("/v1/discrepancies/who-handles-military-details").json()
    accounts = {a["article"]: a for a in item["accounts"]}
    assert list(accounts) == ["bilateral-partnership-report", "kurdistan24-coalition-shift"]
    report = accounts["bilateral-partnership-report"]["evidence"][0]["exact"]
    kurdistan24 = accounts["kurdistan24-coalition-shift"]["evidence"][0]["exact"]
    assert "operational details will be handled by the US Department of Defense" in report
    assert "will be referred to the Ministry of Defense." in kurdistan24
    assert item["events"] == ["2025-08-18-us-embassy-statement"]
    assert set(item["actors"]) >= {"us-department-of-defense", "ministry-of-defense"}


def test_every_discrepancy_has_an_account_from_each_article(client: TestClient) -> None:
    items = client.get("/v1/discrepancies").json()["data"]
    assert [d["id"] for d in items] == [
        "allawi-title",
        "certainty-of-final-stage",
        "drivers-of-the-shift",
        "framing-of-first-phase",
        "nature-of-the-ending-mission",
        "timing-of-iraqi-government-announcement",
        "who-announced-the-partnership",
        "who-handles-military-details",
    ]
    for item in items:
        assert sorted(a["article"] for a in item["accounts"]) == [
            "bilateral-partnership-report",
            "kurdistan24-coalition-shift",
        ]
        for account in item["accounts"]:
            assert account["evidence"]
            assert all(span["article"] == account["article"] for span in account["evidence"])
