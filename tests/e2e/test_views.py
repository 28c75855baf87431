"""The aggregated views on the running platform: a high-risk system's obligations turn from
evidence_missing to evidence_current when matching evidence is uploaded."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

# Annex III obligations apply from 2 Dec 2027 (Art. 113(c) as amended): judge them after that.
AS_OF = "2028-01-02"
# Organisation views are cached for 30 s; this test asks for answers that include its writes.
FRESH = {"cache-control": "no-cache"}


def obligation(view: dict[str, Any], obligation_id: str) -> dict[str, Any]:
    found = [o for o in view["obligations"] if o["id"] == obligation_id]
    assert len(found) == 1, [o["id"] for o in view["obligations"]]
    first: dict[str, Any] = found[0]
    return first


def test_compliance_view_follows_the_evidence(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30) as client:
        facts = client.get("/v1/rulebook/facts").json()
        assert "use.employment_recruitment" in facts  # the Annex III point 4(a) fact
        created = client.post(
            "/v1/systems",
            json={
                "name": "Views CV screener",
                "intended_purpose": "rank job applicants",
                "owner": "hr",
                "roles": ["provider"],
                "countries": ["FR"],
                "extra_facts": {"use.employment_recruitment": True},
            },
        )
        assert created.status_code == 201, created.text
        system_id = created.json()["id"]
        path = f"/v1/systems/{system_id}/compliance"

        view: dict[str, Any] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            view = client.get(path, params={"as_of": AS_OF}).json()
            if (view.get("classification") or {}).get("risk_tier") == "high_risk":
                break
            time.sleep(0.3)
        assert view["classification"]["risk_tier"] == "high_risk", view
        assert view["missing_parts"] == []
        assert view["system"]["name"] == "Views CV screener"
        assert view["classification"]["legal_basis"]
        assert obligation(view, "art9_risk_management")["status"] == "evidence_missing"
        assert obligation(view, "art10_data_governance")["status"] == "evidence_missing"
        # Today the Annex III duties have not started yet; their start is a date that matters.
        today = client.get(path).json()
        assert obligation(today, "art9_risk_management")["status"] == "not_yet_applicable"
        assert "2027-12-02" in [d["date"] for d in today["next_dates"]]

        uploaded = client.post(
            "/v1/evidence",
            params={
                "kind": "risk_assessment",
                "title": "Risk management file",
                "system_id": system_id,
                "provisions": ["Art. 9(2)"],
                "iso_refs": ["6.1.2"],
                "next_review": "2028-06-30",
            },
            content=b"hazards, estimates, measures",
            headers={"content-type": "text/plain"},
        )
        assert uploaded.status_code == 201, uploaded.text

        view = client.get(path, params={"as_of": AS_OF}).json()
        art9 = obligation(view, "art9_risk_management")
        assert art9["status"] == "evidence_current"
        assert [e["id"] for e in art9["evidence"]] == [uploaded.json()["id"]]
        assert obligation(view, "art10_data_governance")["status"] == "evidence_missing"
        assert {
            "date": "2028-06-30",
            "what": "review due: Risk management file",
            "ref": "Art. 9(2)",
        } in view["next_dates"]
        # After the review date the same evidence is overdue.
        later = client.get(path, params={"as_of": "2028-07-01"}).json()
        assert obligation(later, "art9_risk_management")["status"] == "review_overdue"

        gaps = client.get("/v1/compliance/gaps", headers=FRESH).json()
        mine = [s for s in gaps["systems"] if s["system_id"] == system_id]
        assert mine
        assert mine[0]["iso_none"] >= 1
        assert mine[0]["not_covered"]
        assert gaps["totals"]["obligations"] >= mine[0]["obligations"]

        exposure = client.get(
            "/v1/compliance/exposure",
            params={"turnover_eur": 1_000_000_000, "as_of": AS_OF},
            headers=FRESH,
        ).json()
        assert exposure["missing_parts"] == []
        [finding] = [f for f in exposure["findings"] if f["system_id"] == system_id]
        assert finding["article"].startswith("Art. 99(4)")
        assert finding["max_fine_eur"] == 30_000_000  # 3 % of 1 bn is above EUR 15 m
        assert "Art. 10" in finding["finding"]
        sme = client.get(
            "/v1/compliance/exposure",
            params={"turnover_eur": 1_000_000_000, "size": "sme", "as_of": AS_OF},
            headers=FRESH,
        ).json()
        [finding] = [f for f in sme["findings"] if f["system_id"] == system_id]
        assert finding["max_fine_eur"] == 15_000_000  # the lower for SMEs (Art. 99(6))
        assert client.get("/v1/compliance/exposure").status_code == 422
        negative = client.get("/v1/compliance/exposure", params={"turnover_eur": -1})
        assert negative.status_code == 422

        roadmap = client.get("/v1/compliance/roadmap", headers=FRESH).json()
        assert roadmap["missing_parts"] == []
        steps = {s["id"]: s for s in roadmap["steps"]}
        assert len(steps) == 6
        assert steps["inventory_and_risk_scope"]["criteria"][0]["met"] is True
        assert all(0 <= s["progress"] <= 1 for s in steps.values())

        missing = client.get("/v1/systems/00000000-0000-0000-0000-000000000000/compliance")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
