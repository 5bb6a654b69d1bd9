import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED_NAV = {
    "Engineer": [
        "Parts",
        "New part",
        "Stations",
        "Defects",
        "Printers",
        "Badge devices",
        "Qualifications",
        "Machines",
        "Dashboards",
        "Line TV",
        "Trace",
        "Jobs",
    ],
    "Operator": ["Parts", "Station"],
    "Supervisor": ["Parts", "Units", "Qualifications", "Dashboards", "Line TV", "Trace", "Jobs"],
}


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_each_role_signs_in_and_sees_its_own_navigation(sign_in_as, make_user, role):
    page = sign_in_as(make_user(role), PASSWORD)

    entries = page.get_by_test_id("nav-entries").get_by_role("link").all_inner_texts()

    assert entries == EXPECTED_NAV[role]
    assert role in page.get_by_test_id("signed-in-as").inner_text()


def test_admin_sees_the_admin_entry_and_signs_out(sign_in_as, make_user, live_server):
    page = sign_in_as(make_user(superuser=True), PASSWORD)

    assert "Admin" in page.get_by_test_id("nav-entries").get_by_role("link").all_inner_texts()
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
