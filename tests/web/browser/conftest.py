"""The browser tests' harness: Debian's Chromium driven headless by Playwright for Python (never
``playwright install``), against pytest-django's live server with the demo commune in a real
database; pages are signed in through the sign-in form, axe-core is injected from the site's own
static files (the pages' CSP allows nothing else), and screenshots go to docs/img/ on request.

Every page a test opens must run without a Content-Security-Policy violation."""

import importlib
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

from documents.models import DocumentType
from engine import services
from processes import catalog

CHROMIUM = Path(os.environ.get("QUYTRINH_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "img"
DEMO_PASSWORD = "quytrinh-demo"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists() and not os.environ.get("CI"):  # CI installs it (.ci/run): there it must run
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="session")
def chromium():
    # Playwright's synchronous API runs an event loop in this thread while it drives the browser, and
    # Django then refuses ORM calls made from the test between two browser calls; they are plain
    # synchronous calls in the test's own thread, so Django's guard is lifted for the browser tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert CHROMIUM.exists(), f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=vi-VN"])
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db, settings):
    """The live server with the demo commune, its registers and the catalog deployed; its base URL."""
    settings.WEB = {**settings.WEB, "SIGN_IN_RATE": 1000}
    document_types()  # a migration's rows: the flush after an earlier test in the session took them
    call_command("seed_demo", verbosity=0)
    call_command("seed_documents", verbosity=0)
    services.deploy(catalog.files())
    return live_server.url


def document_types() -> None:
    """The national document types, as migration ``documents/0002`` adds them."""
    migration = importlib.import_module("documents.migrations.0002_document_types_and_search")
    DocumentType.objects.bulk_create([DocumentType(code=code, name=name, abbreviation=abbreviation, system=system)
                                      for code, name, abbreviation, system in migration.TYPES], ignore_conflicts=True)


class Pages:
    """Browser pages signed in as demo people; checks each for CSP violations when the test ends."""

    def __init__(self, browser, base: str):
        self.browser, self.base = browser, base
        self.contexts: list = []
        self.violations: list[str] = []

    def open(self, username: str | None, *, viewport=DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._console(message))
        if username:
            page.goto(self.base + "/dang-nhap/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(self.base + "/")
        return page

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(chromium, site):
    opened = Pages(chromium, site)
    yield opened
    opened.close()
    assert opened.violations == [], "the pages broke their Content-Security-Policy"


@pytest.fixture
def axe(site):
    """``axe(page)``: run axe-core in the page and fail on serious or critical violations."""
    url = site + staticfiles_storage.url("web/vendor/axe.min.js")

    def check(page, *, name: str) -> list[dict]:
        page.add_script_tag(url=url)
        found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))""")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], f"axe on {name}: {serious}"
        return found

    return check


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page, "worklist")``: into docs/img/ when QUYTRINH_SCREENSHOTS=1, else a temporary folder."""
    folder = SCREENSHOTS if os.environ.get("QUYTRINH_SCREENSHOTS") == "1" else tmp_path

    def take(page, name: str, *, full_page: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 1000
        return path

    return take
