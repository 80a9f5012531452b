"""The fleet page in Debian's Chromium through Selenium: sorting, filtering, levels, trends and campaigns.

The page is the third report of `fleet_support.scorecard` (a fleet scanned
three times, with pushes between), so every section has something to show.
The screenshot, filtered to one repo of each kind, is kept as
`test-artifacts/fleet-page.png` (git-ignored); docs/fleet-page.png is a copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fleet_support
from fleet_support import ORG, Scorecard, by_name
from rendering import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO_ROOT / "test-artifacts"  # git-ignored; CI keeps what the tests leave here
_VISIBLE = (
    "return Array.from(document.querySelectorAll('#repos tbody tr')).filter(r => r.style.display !== 'none')"
)
_NAMES = _VISIBLE + ".map(r => r.cells[0].innerText.split('\\n')[0])"

template_base = fleet_support.template_base
scorecard = fleet_support.scorecard


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("no browser: install Debian's chromium and chromium-driver (.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1500,1100",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_page_is_self_contained(scorecard: Scorecard) -> None:
    page = (scorecard.out / "fleet.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""\bsrc=["']?https?:""", page)
    assert page.count("<tr data-flags=") == len(scorecard.report["repos"])
    assert f'href="https://github.invalid/{ORG}/{scorecard.fleet.first("compliant")}"' in page


def test_page_sorts_and_filters(scorecard: Scorecard, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    repos = scorecard.report["repos"]
    browser.get((scorecard.out / "fleet.html").as_uri())
    assert browser.title == f"Fleet report: {ORG}"
    assert len(browser.execute_script(_VISIBLE)) == len(repos)
    assert browser.find_element(By.ID, "shown").text == f"showing {len(repos)} of {len(repos)}"

    header_cells = browser.find_elements(By.CSS_SELECTOR, "#repos thead th")
    headers = {th.text.split("\n")[0]: th for th in header_cells}
    column = [th.text.split("\n")[0] for th in header_cells].index("behind")
    headers["behind"].click()
    headers["behind"].click()  # second click: descending
    assert headers["behind"].get_attribute("aria-sort") == "descending"
    first = browser.find_element(By.CSS_SELECTOR, "#repos tbody tr")
    most_behind = max(repo["template"]["behind"] or 0 for repo in repos)
    assert first.find_elements(By.TAG_NAME, "td")[column].text == str(most_behind)

    headers["repo"].click()
    assert browser.execute_script(_NAMES)[:5] == sorted(repo["name"] for repo in repos)[:5]

    show = Select(browser.find_element(By.ID, "status"))
    show.select_by_value("error")
    assert browser.execute_script(_NAMES) == ["broken-0"]
    show.select_by_value("newly-failing")
    assert browser.execute_script(_NAMES) == [scorecard.fleet.first("compliant")]
    show.select_by_value("level-none")
    none = sorted(repo["name"] for repo in repos if repo["level"]["name"] == "none")
    assert sorted(browser.execute_script(_NAMES)) == none and none
    show.select_by_value("")
    browser.find_element(By.ID, "filter").send_keys("pinned-00")
    pinned = sorted(repo["name"] for repo in repos if "pinned-00" in repo["name"])
    assert sorted(browser.execute_script(_NAMES)) == pinned


def test_page_shows_levels_trends_and_campaigns(scorecard: Scorecard, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    report = scorecard.report
    browser.get((scorecard.out / "fleet.html").as_uri())
    bars = browser.find_elements(By.CSS_SELECTOR, "#levels svg g.level")
    shown = {bar.get_attribute("data-level"): int(bar.get_attribute("data-count")) for bar in bars}
    assert shown == report["levels"]["counts"]
    assert "45 feature drift alerts" in browser.find_element(By.ID, "levels").text  # Gold is checked
    assert "not checked by the scan" not in browser.find_element(By.ID, "levels").text
    why = browser.find_element(By.ID, "manual-why").text
    assert "44 (people)" in why and "46 (people)" in why

    compliant = by_name(report)[scorecard.fleet.first("unmonitored")]
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#repos tbody tr")
        if r.find_element(By.TAG_NAME, "td").text == compliant["name"]
    )
    owner, level = row.find_elements(By.TAG_NAME, "td")[1:3]
    assert owner.text == compliant["owner"]["name"]
    lacks = ", ".join(lack["id"] for lack in compliant["level"]["lacks"])
    assert level.text.split("\n") == [
        compliant["level"]["name"],
        f"{compliant['level']['next']} lacks: {lacks}",
    ]

    series = {
        g.get_attribute("data-series"): g.get_attribute("data-values")
        for g in browser.find_elements(By.CSS_SELECTOR, "#trend-chart g.series")
    }
    points = report["trends"]["points"]
    assert series["repos"] == ",".join(str(point["repos"]) for point in points)
    assert series["every automated statement"] == ",".join(
        str(point["automated_statements_all_pass"]) for point in points
    )
    assert "1 statement(s) newly pass, 1 newly fail" in browser.find_element(By.ID, "trends").text

    campaigns = browser.find_elements(By.CSS_SELECTOR, "#campaigns article.campaign")
    assert [c.get_attribute("data-campaign") for c in campaigns] == [
        "lock-files-everywhere",
        "everyone-on-v1-2",
    ]
    assert "overdue" in campaigns[1].get_attribute("class")
    locks = report["campaigns"][0]
    assert f"{locks['passing']} of {locks['total']} repos meet it" in campaigns[0].text


def test_page_screenshot(scorecard: Scorecard, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get((scorecard.out / "fleet.html").as_uri())
    browser.find_element(By.ID, "filter").send_keys("-001")  # one repo of each kind
    assert len(browser.execute_script(_VISIBLE)) == len(
        [r for r in scorecard.report["repos"] if "-001" in r["name"]]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "fleet-page.png"
    width = browser.execute_script("return document.documentElement.scrollWidth")  # the whole heat map
    browser.set_window_size(
        max(1500, width + 40), browser.execute_script("return document.body.scrollHeight") + 40
    )
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(shot))
    print(f"fleet page screenshot: {shot}")
    assert shot.stat().st_size > 10_000
