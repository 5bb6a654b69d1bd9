"""Every parts page and action checks sign-in and role: engineers edit, others only view."""

import pytest
from django.urls import reverse

from parts.media import check_image
from parts.models import ModelPart
from parts.services import part_archive
from shopfloor.accounts.roles import Role
from tests.parts.media_files import image_upload

pytestmark = pytest.mark.django_db

ALLOWED = "allowed"
FORBIDDEN = 403

# (name, method, url builder, expected for operator, supervisor, engineer)
ENDPOINTS = [
    ("list", "get", lambda p: reverse("parts:list"), ALLOWED, ALLOWED, ALLOWED),
    ("archived list", "get", lambda p: reverse("parts:list") + "?archived=1", 403, 403, ALLOWED),
    ("detail", "get", lambda p: p.get_absolute_url(), ALLOWED, ALLOWED, ALLOWED),
    ("media", "get", lambda p: p.part_image.url, ALLOWED, ALLOWED, ALLOWED),
    ("new form", "get", lambda p: reverse("parts:create"), 403, 403, ALLOWED),
    ("create", "post", lambda p: reverse("parts:create"), 403, 403, ALLOWED),
    ("edit form", "get", lambda p: reverse("parts:edit", args=[p.pk]), 403, 403, ALLOWED),
    ("edit", "post", lambda p: reverse("parts:edit", args=[p.pk]), 403, 403, ALLOWED),
    ("archive", "post", lambda p: reverse("parts:archive", args=[p.pk]), 403, 403, ALLOWED),
    ("restore", "post", lambda p: reverse("parts:restore", args=[p.pk]), 403, 403, ALLOWED),
]
ROLES = ["Operator", "Supervisor", "Engineer"]


@pytest.fixture
def part(make_part):
    return make_part("EICS112_Part", part_image=check_image(image_upload()))


def request(client, method, url):
    data = {"model_no": "EICS999", "part_no": "EICS999_Part"} if method == "post" else None
    return getattr(client, method)(url, data)


@pytest.mark.parametrize(
    ("name", "method", "url"), [entry[:3] for entry in ENDPOINTS], ids=[e[0] for e in ENDPOINTS]
)
def test_signed_out_visitors_are_sent_to_sign_in_and_nothing_changes(
    client, part, name, method, url
):
    response = request(client, method, url(part))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")
    assert list(ModelPart.objects.values_list("part_no", "archived_at")) == [("EICS112_Part", None)]


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "expected_by_role"),
    [(*entry[:3], entry[3:]) for entry in ENDPOINTS],
    ids=[e[0] for e in ENDPOINTS],
)
def test_each_role_gets_what_its_permissions_allow(
    client_for, make_user, part, role_index, name, method, url, expected_by_role
):
    expected = expected_by_role[role_index]
    client = client_for(make_user(ROLES[role_index]))
    before = list(ModelPart.objects.values_list("part_no", "archived_at"))

    response = request(client, method, url(part))

    if expected == FORBIDDEN:
        assert response.status_code == 403
        assert "Your role does not allow this" in response.content.decode()
        assert list(ModelPart.objects.values_list("part_no", "archived_at")) == before
    else:
        assert response.status_code in {200, 302}


def test_write_endpoints_refuse_get_requests(client_for, engineer, part):
    client = client_for(engineer)

    assert client.get(reverse("parts:archive", args=[part.pk])).status_code == 405
    assert client.get(reverse("parts:restore", args=[part.pk])).status_code == 405


def test_media_cannot_be_written_through_its_url(client_for, engineer, part):
    response = client_for(engineer).post(part.part_image.url, {"x": "y"})

    assert response.status_code == 405


@pytest.fixture
def archived_part(engineer, make_part):
    from procedures.services import procedure_apply
    from tests.stations.scan_support import PROCEDURE, scan

    part = make_part(with_media=True)
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    scan("U1", "smd", part_no=part.part_no)
    return part_archive(part=part, archived_by=engineer)


def archived_part_urls(part):
    return [
        part.get_absolute_url(),
        part.part_image.url,
        part.part_image_thumbnail.url,
        part.qc_video.url,
        reverse("procedures:detail", args=[part.pk]),
        reverse("procedures:export", args=[part.pk]),
        reverse("procedures:history", args=[part.pk]),
        reverse("procedures:version", args=[part.pk, 1]),
        reverse("units:detail", args=[part.pk, "U1"]),
    ]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_an_archived_part_its_procedure_and_media_are_not_found_by_counting_ids(
    client_for, make_user, archived_part, role
):
    client = client_for(make_user(role))

    answers = {url: client.get(url).status_code for url in archived_part_urls(archived_part)}

    assert answers == dict.fromkeys(answers, 404)


def test_an_engineer_still_opens_an_archived_part_to_restore_it(
    client_for, engineer, archived_part
):
    client = client_for(engineer)

    answers = {url: client.get(url).status_code for url in archived_part_urls(archived_part)}

    assert answers == dict.fromkeys(answers, 200)
