"""The web app in a real browser: Playwright for Python driving Debian's chromium against a live
server on 127.0.0.1. Log in, ask and open a citation, draft a report and approve it with its
checks shown, accept and reject risk suggestions, upload a file. Screenshots of the main pages
are saved under test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assistant.store.access import AccessStore
from tests.conftest import REPO, SAMPLES
from tests.live_server import live_server
from tests.test_api import sample_copy

CHROMIUM = os.environ.get("PMASSIST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("PMASSIST_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No chromium at {CHROMIUM}: `apt-get install -y chromium` (see .ci/run).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def site(harbor: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    assistant = sample_copy(harbor, tmp_path)
    _, token = AccessStore(assistant.wiring.documents.engine).create_token(
        "Priya Raman", "pm", ["harbor", "intake"]
    )
    with live_server(assistant) as url:
        yield url, token


@pytest.fixture
def page(browser: Browser, site: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, site: tuple[str, str]) -> str:
    url, token = site
    page.goto(f"{url}/p/harbor/chat")
    expect(page).to_have_url(f"{url}/login")
    shot(page, "login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("a.project-link", has_text="harbor")).to_be_visible()
    shot(page, "projects")
    return url


def test_ask_and_open_a_citation(page: Page, site: tuple[str, str]) -> None:
    url = log_in(page, site)
    page.click("a.project-link")
    page.fill("#question", "Why did the load test slip?")
    page.click("#ask-form button")
    answer = page.locator(".answer").last
    expect(answer.locator("button.cite").first).to_be_visible()
    expect(answer).to_contain_text("Extracts from the project record")
    shot(page, "chat")
    answer.locator("button.cite").first.click()
    panel = page.locator("#source-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#source-locator")).to_contain_text(
        re.compile(r"record/.+(line|row|\d\d:\d\d)")
    )
    shot(page, "citation")
    assert page.url == f"{url}/p/harbor/chat"


def test_draft_a_report_and_approve_it_with_its_checks(page: Page, site: tuple[str, str]) -> None:
    log_in(page, site)
    page.goto(f"{site[0]}/p/harbor/reports")
    page.fill("#week", "2026-W46")
    page.click("text=Draft the report")
    expect(page.locator("h1")).to_contain_text("status report 2026-W46")
    expect(page.locator("#checks")).to_contain_text("Checks: passed")
    expect(page.locator("#checks")).to_contain_text("citations support")
    expect(page.locator(".status")).to_have_text("AMBER")
    shot(page, "report")
    page.click("#approve")
    expect(page.locator(".message")).to_have_text("Approved.")
    expect(page.locator("p.muted").first).to_contain_text("approved by Priya Raman")
    expect(page.locator("#approve")).to_have_count(0)


def test_accept_and_reject_risk_suggestions(page: Page, site: tuple[str, str]) -> None:
    log_in(page, site)
    page.goto(f"{site[0]}/p/harbor/risks")
    page.fill("#week", "2026-W46")
    page.click("text=Suggest risks")
    expect(page.locator(".message")).to_contain_text("signals in 2026-W46")
    cards = page.locator("article.risk")
    expect(cards.first).to_be_visible()
    total = cards.count()
    assert total >= 5
    cards.first.locator("summary", has_text=re.compile(r"^Evidence \(")).click()
    expect(cards.first.locator(".locator").first).to_be_visible()
    shot(page, "risks")
    first_id = cards.first.get_attribute("id").removeprefix("risk-")  # type: ignore[union-attr]
    cards.first.locator("button.accept").click()
    expect(page.locator(".message")).to_have_text(f"{first_id} accepted into the register.")
    second = page.locator("article.risk").first
    second_id = second.get_attribute("id").removeprefix("risk-")  # type: ignore[union-attr]
    second.get_by_role("textbox", name=f"Reason to reject {second_id}").fill(
        "Managed through change control"
    )
    second.locator("button.reject").click()
    expect(page.locator(".message")).to_have_text(f"{second_id} rejected.")
    expect(page.locator("article.risk")).to_have_count(total - 2)
    register = page.locator("table.register")
    expect(register).to_contain_text(first_id)
    expect(register.locator("tr", has_text=first_id)).to_contain_text("open")
    expect(register.locator("tr", has_text=second_id)).to_contain_text("rejected")
    expect(page.locator(".heatmap svg")).to_be_visible()
    shot(page, "register")


def test_upload_shows_progress_and_per_file_errors(
    page: Page, site: tuple[str, str], tmp_path: Path
) -> None:
    log_in(page, site)
    page.goto(f"{site[0]}/p/intake/ingest")
    good = tmp_path / "2026-10-15-payments-weekly.md"
    bad = tmp_path / "jira-bad-rows.csv"
    shutil.copy(SAMPLES / good.name, good)
    shutil.copy(SAMPLES / bad.name, bad)
    page.set_input_files("#files", [str(good), str(bad)])
    page.click("text=Upload and ingest")
    state = page.locator("#job-state")
    expect(state).to_contain_text("Done:", timeout=90_000)
    expect(page.locator("#job-failures li").first).to_contain_text("jira-bad-rows.csv")
    shot(page, "ingest")
