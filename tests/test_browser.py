"""A real browser (Debian's Chromium driven by Playwright, no browser download) on the demo pages."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from khabar.ingest.bulk import import_paths
from khabar.pipeline import build_indexes
from khabar.settings import Settings
from khabar.store import SQLiteStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path, demo_path):
    if not CHROMIUM:
        pytest.skip("Debian chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    import uvicorn

    from khabar.web.app import create_app

    db = str(tmp_path / "demo.db")
    store = SQLiteStore(db)
    import_paths(store, [demo_path])
    build_indexes(store, Settings(db=db))
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(db=db)), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_article_page_in_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        blocked = []  # what the pages' Content-Security-Policy refused, if anything
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{server}/api/articles?outlet=wahanews")
        wire_id = page.evaluate("() => JSON.parse(document.body.innerText).articles[0].id")
        page.goto(f"{server}/articles/{wire_id}")
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
        # The inline stylesheet applies under the policy (the brand is bold and green), and nothing was refused.
        assert page.evaluate("() => getComputedStyle(document.querySelector('a.brand')).fontWeight") == "700"
        assert page.evaluate("() => getComputedStyle(document.querySelector('a.brand')).color") == "rgb(11, 110, 79)"
        # Headlines and links are bidi-isolated: an embedding a headline opens and never closes stays inside it.
        assert page.evaluate("() => getComputedStyle(document.querySelector('h1')).unicodeBidi") == "isolate"
        assert page.evaluate("() => getComputedStyle(document.querySelector('#similar li a')).unicodeBidi") == "isolate"
        # A time never breaks at its hyphens at the end of a line.
        assert page.evaluate("() => getComputedStyle(document.querySelector('#similar li time')).whiteSpace") == "nowrap"
        assert page.locator("#read-also a").count() == 1
        also = page.locator("#also-reported").inner_text()
        assert all(o in also for o in ("صحيفة الأفق", "النهار الرقمي", "الساحل اليوم"))
        similar = page.locator("#similar li a")
        assert similar.count() >= 1
        read_also_title = page.locator("#read-also a").inner_text()
        titles = [similar.nth(i).inner_text() for i in range(similar.count())]
        assert read_also_title not in titles
        page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
        first_title = titles[0]
        similar.first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == first_title
        page.screenshot(path=str(ARTIFACTS / "similar.png"), full_page=True)
        assert blocked == []
        browser.close()


def test_story_page_links_the_running_storys_other_stories(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1000, "height": 1200})
        page.goto(f"{server}/api/stories?limit=200")
        stories = page.evaluate("() => JSON.parse(document.body.innerText).stories")
        rescue = next(s for s in stories if "وادي الرمال" in s["label"])
        page.goto(f"{server}/stories/{rescue['id']}")
        related = page.locator("#related-stories li a")
        assert related.count() >= 2
        assert page.evaluate("() => getComputedStyle(document.querySelector('#related-stories')).direction") == "rtl"
        page.screenshot(path=str(ARTIFACTS / "story.png"), full_page=True)
        title = related.first.inner_text()
        related.first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == title
        browser.close()
