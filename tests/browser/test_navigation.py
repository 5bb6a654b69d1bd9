import re

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from tests.browser.conftest import pages_of
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each role's entries: those in the bar, then those folded under More.
EXPECTED_NAV = {
    "Engineer": (
        ["Parts", "New part", "Stations", "Dashboards", "Trace"],
        [
            "Defects",
            "Printers",
            "Badge devices",
            "Qualifications",
            "Machines",
            "Line TV",
            "Jobs",
        ],
    ),
    "Operator": (["Parts", "Station"], []),
    "Supervisor": (
        ["Parts", "Units", "Qualifications", "Dashboards", "Trace"],
        ["Line TV", "Jobs"],
    ),
}


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_each_role_signs_in_and_sees_its_own_navigation(sign_in_as, make_user, role):
    page = sign_in_as(make_user(role), PASSWORD)
    in_bar, folded = EXPECTED_NAV[role]
    navigation = page.get_by_test_id("nav-entries")

    assert navigation.get_by_role("link").all_inner_texts() == in_bar
    if folded:
        navigation.get_by_role("button", name="More").click()
        assert page.locator("#nav-more-menu").get_by_role("link").all_inner_texts() == folded
    else:
        expect(page.get_by_test_id("nav-more")).to_have_count(0)
    page.get_by_test_id("account-menu").click()
    assert role in page.get_by_test_id("signed-in-as").inner_text()


def test_admin_sees_the_admin_entry_and_signs_out(sign_in_as, make_user, live_server):
    page = sign_in_as(make_user(superuser=True), PASSWORD)

    page.get_by_test_id("nav-more").click()
    assert "Admin" in page.locator("#nav-more-menu").get_by_role("link").all_inner_texts()
    page.get_by_test_id("account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/sign-in/")
    page.goto(f"{live_server.url}/parts/")
    assert "/accounts/sign-in/" in page.url


def test_wrong_password_shows_the_refusal_in_the_browser(page, live_server, make_user):
    user = make_user("Operator")
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Sign-in failed")).to_be_visible()
    assert "/accounts/sign-in/" in page.url


# The header's parts that share its one line when it is wide enough not to collapse.
HEADER_ITEMS = (
    ".navbar-brand, [data-testid=nav-entries] > li > .nav-link, #header-usid, "
    "[data-testid=account-menu]"
)
HEADER_BOXES = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((element) => element.offsetParent !== null)
  .map((element) => {
    const box = element.getBoundingClientRect();
    return {text: element.innerText || element.placeholder, middle: box.top + box.height / 2,
            height: box.height};
  })
"""
# The placeholder's width in the input's own font, beside the room the input gives it.
PLACEHOLDER_ROOM = """
(input) => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(input.placeholder).width, room: room};
}
"""


@pytest.fixture
def office_page(browser):
    """A page the size of an office screen, 1366x768."""
    yield from pages_of(browser.new_context(viewport={"width": 1366, "height": 768}))


@pytest.mark.parametrize("language", ["en", "hi", "es"])
def test_an_engineers_header_holds_one_line_on_an_office_screen_and_more_opens_by_keyboard(
    office_page, live_server, make_user, language
):
    engineer = make_user("Engineer", language=language, full_name="Priya Raghunathan")
    page = office_page
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.locator("#id_username").fill(engineer.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    header = page.locator("nav.site-header")

    boxes = page.evaluate(HEADER_BOXES, HEADER_ITEMS)
    middles = [box["middle"] for box in boxes]
    assert len(boxes) == 9, boxes  # brand, five entries, More, search, account
    assert max(middles) - min(middles) <= 3, f"the header wraps: {boxes}"
    tallest = max(box["height"] for box in boxes)
    assert header.bounding_box()["height"] <= tallest + 20
    assert header.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    with translation.override(language):
        search_label = str(_("Find a unit by its USID"))
        full_hint = str(_("Scan or type a USID"))
        badge_devices = str(_("Badge devices"))
    search = page.get_by_label(search_label)
    fit = search.evaluate(PLACEHOLDER_ROOM)
    assert fit["text"] <= fit["room"], f"the search hint is cut: {fit}"
    expect(search).to_have_attribute("title", full_hint)

    more = page.get_by_test_id("nav-more")
    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    menu = page.locator("#nav-more-menu")
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()

    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    for _step in range(len(menu.get_by_role("link").all())):
        page.keyboard.press("ArrowDown")
        if page.evaluate("document.activeElement.textContent.trim()") == badge_devices:
            break
    expect(menu.get_by_role("link", name=badge_devices)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/operators/devices/")

    # The page shown sits in the menu: More says so, and so does its entry once opened.
    more = page.get_by_test_id("nav-more")
    expect(more).to_have_class(re.compile(r"\bactive\b"))
    more.click()
    current = page.locator("#nav-more-menu").get_by_role("link", name=badge_devices)
    expect(current).to_have_attribute("aria-current", "page")
    page.mouse.click(600, 500)
    expect(page.locator("#nav-more-menu")).to_be_hidden()
