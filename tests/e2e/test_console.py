"""The console in a real headless Chromium against the running platform."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

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
