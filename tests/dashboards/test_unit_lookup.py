"""The unit lookup: by USID or tag, whatever the letter case, with partial matches listed."""

import pytest
from django.urls import reverse

from shopfloor.scanning.selectors import LOOKUP_LIMIT
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db(transaction=True)

LOOKUP = reverse("dashboards:unit-lookup")


@pytest.fixture
def units(engineer):
    part = part_with_procedure(engineer, part_no="PWR_Board")
    for usid in ["PWR-0001", "PWR-0002", "PWR-10002", "XPWR-0002"]:
        scan(usid, "smd", part_no=part.part_no)
    part.unit_model().objects.filter(usid="PWR-0001").update(tag_no="TAG-77A")
    return part


def listed(response):
    return [row.split('"')[0] for row in response.content.decode().split('<tr data-usid="')[1:]]


def test_a_usid_in_small_letters_opens_the_unit(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "pwr-0001"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:unit", args=["PWR-0001"])


def test_a_tag_in_any_case_opens_its_unit(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "tag-77a"})

    assert response["Location"] == reverse("dashboards:unit", args=["PWR-0001"])


def test_part_of_a_usid_lists_the_matches_best_first(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "0002"})

    assert response.status_code == 200
    # Shortest first, then in alphabetical order.
    assert listed(response) == ["PWR-0002", "PWR-10002", "XPWR-0002"]


def test_the_start_of_a_usid_comes_before_the_middle(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "pwr-"})

    # Those starting with it first; the one holding it further in comes last.
    assert listed(response) == ["PWR-0001", "PWR-0002", "PWR-10002", "XPWR-0002"]


def test_part_of_a_tag_lists_its_unit(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "77a"})

    assert listed(response) == ["PWR-0001"]
    assert "TAG-77A" in response.content.decode()


def test_no_more_than_fifty_matches_are_listed(client_for, supervisor, engineer):
    part = part_with_procedure(engineer, part_no="MANY_Part")
    for number in range(LOOKUP_LIMIT + 5):
        scan(f"MANY-{number:03d}", "smd", part_no=part.part_no)

    response = client_for(supervisor).get(LOOKUP, {"usid": "many"})

    assert len(listed(response)) == LOOKUP_LIMIT
    assert listed(response)[:2] == ["MANY-000", "MANY-001"]
    assert f"the best {LOOKUP_LIMIT}" in response.content.decode()


def test_text_nothing_holds_is_named_in_the_answer(client_for, supervisor, units):
    response = client_for(supervisor).get(LOOKUP, {"usid": "zzz9"})

    assert response.status_code == 404
    assert "No unit zzz9 is registered" in response.content.decode()


def test_operators_may_not_search_units(client_for, operator, units):
    assert client_for(operator).get(LOOKUP, {"usid": "0002"}).status_code == 403
