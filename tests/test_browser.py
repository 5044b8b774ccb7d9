"""The generated site in a real browser: Debian's headless Chromium driven by Selenium, over HTTP on 127.0.0.1.

Skipped when Chromium, chromedriver or Selenium is missing, unless DWE_REQUIRE_BROWSER=1 (as in CI).
DWE_SCREENSHOT=1 also saves the SpecTor page to docs/spector-page.png.
"""

from __future__ import annotations

import csv
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from darkweb_enforcement.paths import REPO_ROOT
from darkweb_enforcement.site import build_site

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]
SPECTOR = "operations/spector-2023.html"


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def missing(reason: str) -> None:
    if os.environ.get("DWE_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"{reason}; install it (apt-get install chromium chromium-driver; pip install selenium) or unset DWE_REQUIRE_BROWSER"
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served_site(real_release, tmp_path_factory):
    """The real release's site, served by http.server on 127.0.0.1 in a thread; yields its base URL and folder."""
    out = tmp_path_factory.mktemp("browser") / "www"
    build_site(real_release, out)
    handler = functools.partial(QuietHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", out
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with a new, empty profile; its console log is kept."""
    try:
        from selenium import webdriver
    except ImportError:
        missing("selenium is not installed")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        missing("chromium or chromedriver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    yield driver
    driver.quit()


def severe_console_entries(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_home_spector_and_claims_pages_load_without_console_errors(browser, served_site):
    base, _ = served_site
    for page in ("index.html", SPECTOR, "claims.html", "codebook.html", "markets/monopoly-market.html"):
        browser.get(f"{base}/{page}")
        assert browser.execute_script("return document.readyState") == "complete"
        assert severe_console_entries(browser) == [], page
    browser.get(f"{base}/index.html")
    assert browser.find_element("css selector", "h1").text.startswith("Dark-web enforcement operations")
    assert (
        browser.execute_script("return document.querySelector('img[src$=\"arrests_per_operation.svg\"]').naturalWidth")
        > 0
    )


def test_spector_page_shows_the_worldwide_arrests_headline_288(browser, served_site, real_release):
    base, _ = served_site
    (head,) = [
        h
        for h in csv_rows(real_release / "data/headline_totals.csv")
        if (h["operation_id"], h["metric"], h["scope_code"]) == ("spector-2023", "arrests", "WORLD")
    ]
    browser.get(f"{base}/{SPECTOR}")
    assert browser.find_element("css selector", "h1").text == "Operation SpecTor"
    rows = browser.execute_script(
        "var heads = Array.from(document.querySelectorAll('#headline-table thead th'), th => th.innerText.trim());"
        "return Array.from(document.querySelectorAll('#headline-table tbody tr'),"
        " r => Object.fromEntries(Array.from(r.cells, (c, i) => [heads[i], c.innerText.trim()])))"
    )
    world = [row for row in rows if (row["metric"], row["scope"]) == ("arrests", "WORLD")]
    spread = f"{float(head['min_value']):g}–{float(head['max_value']):g}"
    assert [(r["value"], r["claims / sources"], r["spread"], r["conflict"]) for r in world] == [
        ("288 persons", f"{head['n_claims']} / {head['n_sources']}", spread, "conflict")
    ]
    assert head["value"] == "288"


def test_spector_page_links_to_every_source_its_claims_cite(browser, served_site, real_release):
    base, _ = served_site
    claims = [c for c in csv_rows(real_release / "data/reported_totals.csv") if c["operation_id"] == "spector-2023"]
    urls = {s["source_id"]: s["url"] for s in csv_rows(real_release / "data/sources.csv")}
    browser.get(f"{base}/{SPECTOR}")
    links = set(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('#operation-claims a[href]'), a => a.getAttribute('href'))"
        )
    )
    assert {urls[c["source_id"]] for c in claims} <= links
    assert browser.execute_script("return document.querySelectorAll('#operation-claims tbody tr').length") == len(
        claims
    )


def visible_operations(browser) -> list[str]:
    return browser.execute_script(
        "var column = Array.from(document.querySelectorAll('#claims thead th'), th => th.innerText.trim()).indexOf('operation_id');"
        "return Array.from(document.querySelectorAll('#claims tbody tr'))"
        ".filter(r => r.getClientRects().length > 0).map(r => r.cells[column].innerText.trim())"
    )


def test_filtering_the_claims_table_by_operation_leaves_only_its_rows(browser, served_site, real_release):
    from selenium.webdriver.support.ui import Select

    base, _ = served_site
    claims = csv_rows(real_release / "data/reported_totals.csv")
    spector = sum(c["operation_id"] == "spector-2023" for c in claims)
    browser.get(f"{base}/claims.html")
    assert len(visible_operations(browser)) == len(claims)
    Select(browser.find_element("id", "filter-operation")).select_by_value("spector-2023")
    assert visible_operations(browser) == ["spector-2023"] * spector
    assert browser.find_element("id", "claims-count").text == f"{spector} of {len(claims)} claims shown"
    Select(browser.find_element("id", "filter-operation")).select_by_value("")
    assert len(visible_operations(browser)) == len(claims)


def test_the_operation_page_link_opens_the_claims_table_filtered(browser, served_site):
    base, _ = served_site
    browser.get(f"{base}/{SPECTOR}")
    browser.find_element("link text", "filter the table of all claims").click()
    assert browser.current_url.endswith("/claims.html?operation=spector-2023")
    assert set(visible_operations(browser)) == {"spector-2023"}


def test_sorting_the_claims_table_by_value_orders_numbers_with_empty_cells_last(browser, served_site):
    base, _ = served_site
    browser.get(f"{base}/claims.html?operation=spector-2023")
    browser.find_element("xpath", "//table[@id='claims']//th/button[text()='value']").click()
    values = browser.execute_script(
        "var column = Array.from(document.querySelectorAll('#claims thead th'), th => th.innerText.trim()).indexOf('value');"
        "return Array.from(document.querySelectorAll('#claims tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.cells[column].querySelector('[data-sort]').getAttribute('data-sort'))"
    )
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers) and values[len(numbers) :] == [""] * (len(values) - len(numbers))
    assert (
        browser.find_element("xpath", "//table[@id='claims']//th[button[text()='value']]").get_attribute("aria-sort")
        == "ascending"
    )


def test_pages_work_from_file_urls(browser, served_site):
    _, out = served_site
    browser.get((out / SPECTOR).as_uri())
    assert (
        browser.execute_script("return getComputedStyle(document.querySelector('header')).borderBottomStyle") == "solid"
    )
    browser.find_element("link text", "Claims").click()
    assert browser.current_url == (out / "claims.html").as_uri()
    assert severe_console_entries(browser) == []


def test_screenshot_of_the_spector_page(browser, served_site):
    if os.environ.get("DWE_SCREENSHOT") != "1":
        pytest.skip("set DWE_SCREENSHOT=1 to save docs/spector-page.png")
    base, _ = served_site
    browser.set_window_size(1280, 1100)
    browser.get(f"{base}/{SPECTOR}")
    target = REPO_ROOT / "docs" / "spector-page.png"
    assert browser.save_screenshot(str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
