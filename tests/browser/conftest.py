"""Browser tests drive the system Chromium through Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.test import testcases

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Django's live server answers MEDIA_URL itself, from MEDIA_ROOT, to anyone and without Range
# support. Uploads must go through the app's own media view, as in production (sign-in check,
# 206 answers), so the live server hands those requests to the app like any other.
testcases._MediaFilesHandler = lambda application: application


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page reports what its Content-Security-Policy blocked to the console, where the
# fixture below collects it: a browser test fails on any violation.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile + ":" +
                event.lineNumber);
});
"""


def is_csp_violation(message):
    text = message.text
    return message.type == "error" and (
        text.startswith("CSP violation") or "Content Security Policy" in text
    )


def pages_of(context):
    """The page of ``context``, watched for what the Content-Security-Policy blocks: a generator
    for a fixture to yield from; the test fails if the policy blocked anything."""
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    violations = []
    context.on(
        "console",
        lambda message: violations.append(message.text) if is_csp_violation(message) else None,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert violations == [], "the Content-Security-Policy blocked:\n" + "\n".join(violations)


@pytest.fixture
def page(browser):
    yield from pages_of(browser.new_context(viewport={"width": 1280, "height": 800}))


@pytest.fixture
def sign_in_as(page, live_server):
    """Sign in through the real form, as a person would."""

    def sign_in(user, password):
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in
