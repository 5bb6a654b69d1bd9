"""Every page a person can reach from the navigation, for each role, on the demo line: no
console error, no uncaught script error, no request answered 404 or 5xx (a missing script or
picture included), and an icon that loads."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shopfloor.accounts.management.commands.load_demo import DEMO_PASSWORD, DEMO_USERS
from shopfloor.accounts.roles import sync_role_groups
from shopfloor.dashboards.displays import display_token_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Links that end the visit, start work or open a file (an uploaded picture or video, an
# export) rather than show a page.
NOT_PAGES = re.compile(r"^/media/|/(sign-out|logout)/|/export|/download|\.(csv|xlsx|pdf|zpl)$")
# Pages of one kind (a unit, a part, a job) are walked once each, not once per record.
PAGES_PER_ROLE = 60
# Pages reached by a form rather than a link, walked by whoever may open them.
FORM_PAGES = [
    ("/dashboards/units/?usid=000", "dashboards.view_dashboard"),  # partial matches listed
    ("/dashboards/defects/?start=2026-01-01&end=2026-12-31", "dashboards.view_dashboard"),
]
# Pages the walk must reach, each by the roles that may: (path, permission).
MUST_REACH = [
    ("/stations/defects/", "stations.change_defectreason"),
    ("/stations/defects/new/", "stations.add_defectreason"),
    ("/stations/defects/N/", "stations.change_defectreason"),
    ("/dashboards/defects/", "dashboards.view_dashboard"),
    ("/dashboards/units/", "dashboards.view_dashboard"),
]


def page_kind(url):
    parts = urlsplit(url)
    keys = sorted(key.split("=")[0] for key in parts.query.split("&") if key)
    return re.sub(r"/[^/]*\d[^/]*", "/N", parts.path), tuple(keys)


def links_on(page, origin):
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href)"
    )
    return [
        href.split("#")[0]
        for href in hrefs
        if href.startswith(origin) and not NOT_PAGES.search(urlsplit(href).path)
    ]


def walk(page, origin, extra=()):
    """Open the navigation's pages and ``extra``, then each page linked from them (one of each
    kind), and return the problems seen: console errors, script errors and failed requests."""
    problems = []
    current = {"url": ""}
    page.on(
        "console",
        lambda message: (
            problems.append(f"{current['url']}: console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{current['url']}: script error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{current['url']}: {response.status} for {response.url}")
            if response.status == 404 or response.status >= 500
            else None
        ),
    )
    page.goto(f"{origin}/")
    # The bar's entries and those folded under More alike.
    navigation = page.get_by_test_id("nav-entries").locator("a[href]")
    queue = [f"{origin}/"] + [
        href for href in navigation.evaluate_all("links => links.map(link => link.href)")
    ]
    queue += [f"{origin}{path}" for path in extra]
    seen, visited = set(), []
    depth = {url: 0 for url in queue}
    while queue and len(visited) < PAGES_PER_ROLE:
        url = queue.pop(0)
        if page_kind(url) in seen:
            continue
        seen.add(page_kind(url))
        current["url"] = url
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        visited.append(url)
        assert response.status == 200, f"{url} answered {response.status}"
        # The browser fetches the page's icon on its own, unseen by the listeners above.
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        assert page.request.get(f"{origin}{icon}").status == 200, f"{url}: no icon"
        if depth[url] < 2:
            for link in links_on(page, origin):
                if link not in depth:
                    depth[link] = depth[url] + 1
                    queue.append(link)
    return visited, problems


def test_every_page_of_every_role_loads_without_an_error(browser, live_server):
    # A transactional test's flush empties the groups the migration made.
    sync_role_groups(apps)
    call_command("load_demo", stdout=io.StringIO())
    report = []
    for email, _name, role in DEMO_USERS:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        user = get_user_model().objects.get(email=email)
        extra = [path for path, permission in FORM_PAGES if user.has_perm(permission)]
        visited, problems = walk(page, live_server.url, extra)
        context.close()
        label = role.label if role else "Admin"
        assert len(visited) > 3, f"{label} reached only {visited}"
        reached = {page_kind(url)[0] for url in visited}
        for path, permission in MUST_REACH:
            if user.has_perm(permission):
                assert path in reached, f"{label} never reached {path}"
        report += [f"{label}: {problem}" for problem in problems]

    assert report == [], "\n".join(report)


def test_the_line_tv_opens_by_its_display_link_without_an_error(browser, live_server):
    """The TV view is reached by a display link, not from the navigation: open it as a TV
    does, with nobody signed in, on the demo line."""
    sync_role_groups(apps)
    call_command("load_demo", stdout=io.StringIO())
    supervisor = get_user_model().objects.get(email="supervisor@shopfloor.example")
    _token, raw = display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )

    response = page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")
    page.wait_for_load_state("networkidle")
    icon = page.locator('link[rel="icon"]').get_attribute("href")

    assert response.status == 200
    assert page.get_by_test_id("tv-part").count() >= 2
    assert page.request.get(f"{live_server.url}{icon}").status == 200
    context.close()
    assert problems == []
