"""The console in a real headless Chromium against the running platform."""

from __future__ import annotations

import os
import re
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, Page, async_playwright, expect

from tests.infra import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("AIGOV_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "console"
# As the machine notes say: no background networking, the sandbox is closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: install Debian's chromium (.ci/run does)"
    async with async_playwright() as pw:
        browser: Browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1366, "height": 850})
        yield await context.new_page()
        await browser.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_register_a_system_and_see_its_audit_trail(gateway: str, page: Page) -> None:
    await page.goto(gateway + "/")
    await expect(page.get_by_role("heading", name="Compliance overview")).to_be_visible()
    await shot(page, "dashboard-empty")

    await page.get_by_role("link", name="Systems", exact=True).click()
    await page.get_by_label("Name").fill("Loan approval assistant")
    await page.get_by_label("Intended purpose").fill("recommend credit decisions for consumers")
    await page.get_by_label("Business owner").fill("retail-credit")
    await page.get_by_role("button", name="Register").click()

    await expect(page.get_by_role("heading", name="Loan approval assistant")).to_be_visible()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if await page.get_by_text("aigov.inventory.system.registered").count():
            break
        await page.reload()
    await expect(page.get_by_text("aigov.inventory.system.registered")).to_be_visible()
    await shot(page, "system")

    await page.goto(gateway + "/systems")
    await expect(page.get_by_role("link", name="Loan approval assistant")).to_be_visible()
    await shot(page, "systems")


async def test_keyboard_users_can_skip_to_content(gateway: str, page: Page) -> None:
    await page.goto(gateway + "/systems")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    for field in ("Name", "Intended purpose", "Business owner", "Search"):
        await expect(page.get_by_label(field)).to_be_visible()


# Answers that make a CV-screening system high-risk (Annex III point 4(a)); every other
# question is answered "no" (bool), the first option (choice, list) or 0 (number).
HIGH_RISK_ANSWERS: dict[str, str | list[str]] = {
    "q_org_roles": ["provider"],
    "q_scope_eu_nexus": "yes",
    "q_use_employment_recruitment": "yes",
}


async def answer_until_done(page: Page) -> int:
    for answered in range(200):
        if await page.get_by_role("heading", name="Result:").count():
            return answered
        complete = page.get_by_role("button", name="Complete and classify")
        if await complete.count():
            await complete.click()
            continue
        qid = await page.locator("input[name=question_id]").get_attribute("value")
        kind = await page.locator("input[name=kind]").get_attribute("value")
        wanted = HIGH_RISK_ANSWERS.get(qid or "")
        options = page.locator("input[name=value]")
        if kind == "bool":
            label = "Yes" if wanted == "yes" else "No"
            await page.get_by_label(label, exact=True).check()
        elif kind == "list":
            values = wanted if isinstance(wanted, list) else []
            if values:
                for v in values:
                    await page.locator(f"input[name=value][value='{v}']").check()
            else:
                await options.first.check()
        elif kind == "choice":
            await options.first.check()
        else:
            await options.first.fill("0")
        await page.get_by_role("button", name="Answer", exact=True).click()
    raise AssertionError("the questionnaire did not finish")


async def test_high_risk_journey_evidence_incident_and_audit_package(
    gateway: str, page: Page, tmp_path: Path
) -> None:
    # Register a CV-screening system.
    await page.goto(gateway + "/systems")
    await page.get_by_label("Name").fill("CV screening assistant")
    await page.get_by_label("Intended purpose").fill("ranks job applicants' CVs for recruiters")
    await page.get_by_label("Business owner").fill("talent-acquisition")
    await page.get_by_label("provider").check()
    await page.get_by_label("Countries of use").fill("DE, FR")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("heading", name="CV screening assistant")).to_be_visible()
    system_url = page.url

    # The questionnaire, one question at a time, resumed after leaving it.
    await page.get_by_role("button", name="Start the questionnaire").click()
    await expect(page.get_by_role("heading", name="Classification questionnaire")).to_be_visible()
    await expect(page.locator(".question a").first).to_have_attribute(
        "href", re.compile(r"^https://eur-lex\.europa\.eu/eli/reg/2024/1689/oj")
    )
    await shot(page, "questionnaire")
    questionnaire_url = page.url
    await page.goto(system_url)
    await page.goto(questionnaire_url)  # resume where we stopped
    answered = await answer_until_done(page)
    assert answered > 2
    await expect(page.get_by_role("heading", name="Result: high risk")).to_be_visible()
    await expect(
        page.get_by_role("link", name="Annex III point 4(a)", exact=True).first
    ).to_be_visible()
    await shot(page, "questionnaire-result")

    # The system page: classification, reasoning with articles, obligations.
    await page.goto(system_url)
    await expect(page.get_by_role("heading", name="Reasoning")).to_be_visible()
    await expect(
        page.locator("#obl-h + div table, section[aria-labelledby=obl-h] table")
    ).to_contain_text("Art. 9")
    await expect(page.locator("svg[aria-label='ISO/IEC 42001 coverage']")).to_be_visible()
    await shot(page, "system-high-risk")

    # The FRIA, one Art. 27(1) item at a time, saved as a draft.
    await page.get_by_role("link", name="Fundamental rights impact assessment").click()
    await expect(
        page.get_by_role("heading", name="Fundamental rights impact assessment")
    ).to_be_visible()
    await page.get_by_label("Your assessment").fill("Screening of applications for open positions.")
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page.get_by_text("1 of 6 items written")).to_be_visible()
    await expect(page.locator("#item-h")).to_contain_text("period of time")
    await shot(page, "fria")
    await page.goto(system_url)

    # Evidence against Art. 9 and ISO/IEC 42001 6.1.2, then its ledger proof.
    await page.get_by_role("link", name="Upload evidence").click()
    await page.get_by_label("File").set_input_files(
        files=FilePayload(name="risk.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 risk")
    )
    await page.get_by_label("Title").fill("Risk management file")
    await page.get_by_label("Kind").select_option("risk_assessment")
    await page.get_by_label("EU AI Act provisions").fill("Art. 9")
    await page.get_by_label("ISO/IEC 42001 clauses or controls").fill("6.1.2")
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("heading", name="Risk management file")).to_be_visible()
    sign = page.get_by_role("button", name="Sign a checkpoint now")
    if await sign.count():
        await sign.click()
    checks = page.locator("ul.checks li")
    await expect(checks).to_have_count(2)
    await expect(checks.nth(0)).to_contain_text("Verified")
    await expect(checks.nth(1)).to_contain_text("Verified")
    await shot(page, "evidence-item")
    async with page.expect_download() as file_info:
        await page.get_by_role("link", name="Download the file").click()
    saved = tmp_path / "risk.pdf"
    await (await file_info.value).save_as(str(saved))
    assert saved.read_bytes() == b"%PDF-1.4 risk"
    await page.get_by_text("Upload a new version").click()
    await page.get_by_label("File", exact=True).set_input_files(
        files=FilePayload(name="risk-v2.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 v2")
    )
    await page.get_by_role("button", name="Upload new version").click()
    await expect(page.locator("section[aria-labelledby=meta-h]")).to_contain_text("v2 · current")
    await expect(page.locator("section[aria-labelledby=ver-h] tbody tr")).to_have_count(2)
    await page.goto(system_url)
    evidence = page.locator("section[aria-labelledby=ev-h]")
    await expect(evidence).to_contain_text("Risk management file")
    await expect(evidence).to_contain_text("Art. 9")

    # A serious incident and its reporting clock.
    await page.get_by_text("Open an incident").click()
    await page.get_by_label("Title", exact=True).fill(
        "Qualified applicants systematically rejected"
    )
    await page.get_by_label("Severity").select_option("high")
    await page.get_by_role("button", name="Open incident").click()
    await expect(page.get_by_text("No clock")).to_be_visible()
    await page.get_by_label("(c) infringement of fundamental-rights obligations").check()
    await page.get_by_role("button", name="Mark serious").click()
    await expect(page.locator(".clock .big")).to_contain_text("left")
    await expect(page.locator(".clock")).to_contain_text("14 d")
    await expect(page.get_by_role("heading", name="Draft authority report")).to_be_visible()
    await page.get_by_label("Move to").select_option("investigating")
    await page.get_by_role("button", name="Change status").click()
    await expect(page.locator("section[aria-labelledby=state-h]")).to_contain_text("investigating")
    await shot(page, "incident")

    # The audit package is a zip.
    await page.goto(system_url)
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download the audit package").click()
    download = await info.value
    target = tmp_path / "audit.zip"
    await download.save_as(str(target))
    assert zipfile.is_zipfile(target)
    with zipfile.ZipFile(target) as package:
        assert "manifest.json" in package.namelist()

    await page.goto(gateway + "/")
    await expect(page.locator("svg[aria-label='AI systems by risk tier']")).to_be_visible()
    await expect(page.locator("section[aria-labelledby=inc-h]")).to_contain_text(
        "Qualified applicants systematically rejected"
    )
    await page.get_by_label("Worldwide annual turnover (EUR)").fill("50000000")
    await page.get_by_role("button", name="Estimate").click()
    await expect(page.get_by_role("heading", name="Penalty exposure")).to_be_visible()
    await shot(page, "dashboard")
    await page.get_by_role("link", name="Verify the whole ledger").click()
    await expect(page.get_by_role("heading", name="The ledger verifies")).to_be_visible()
    await page.goto(gateway + "/evidence")
    await shot(page, "evidence")
    await page.goto(gateway + "/incidents")
    await shot(page, "incidents")


async def test_an_auditor_sees_no_edit_controls(gateway: str, page: Page) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        created = client.post("/v1/admin/api-keys", json={"name": "audit", "role": "auditor"})
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        system = client.post(
            "/v1/systems",
            json={"name": "Chat helper", "intended_purpose": "answers FAQ", "owner": "support"},
        ).json()
    await page.goto(gateway + "/login")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Compliance overview")).to_be_visible()
    await expect(page.locator("header.top")).to_contain_text("auditor")
    await page.goto(gateway + "/systems")
    await expect(page.get_by_role("heading", name="Register an AI system")).to_have_count(0)
    await page.goto(f"{gateway}/systems/{system['id']}")
    await expect(page.get_by_role("heading", name="Chat helper")).to_be_visible()
    await expect(page.get_by_role("button", name="Start the questionnaire")).to_have_count(0)
    await expect(page.get_by_text("Open an incident")).to_have_count(0)
    await page.goto(gateway + "/evidence")
    await expect(page.get_by_role("heading", name="Upload evidence")).to_have_count(0)
    # The API refuses anyway: a forged form post is answered 403 by the API.
    response = await page.request.post(
        gateway + f"/systems/{system['id']}/questionnaire", form={"csrf": "x"}
    )
    assert response.status == 403
