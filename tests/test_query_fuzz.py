"""Fuzzing every query parameter of every page: whatever a visitor puts in the address, no 5xx.

The pages are the URL patterns of the access walk (tests/test_access.py), filled with the same
real objects. Which parameters a page reads is found by asking it: each page is requested once
with the reads of its query string recorded, then hypothesis sends those parameters (and the
page's address) hostile values: NUL characters, numbers of thousands of digits, dates at the
calendar's edges, markup, SQL, other scripts (tests/support/hostile.py).
"""

import contextlib
import os
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import query_values
from tests.test_access import url_of, url_patterns, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")) * 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
READS = ("get", "getlist", "__getitem__", "__contains__", "pop")


@contextlib.contextmanager
def recorded_query_reads():
    """The names every QueryDict is asked for while the block runs."""
    names = set()
    originals = {name: getattr(QueryDict, name) for name in READS}

    def recording(original):
        def read(self, key, *args, **kwargs):
            if isinstance(key, str):
                names.add(key)
            return original(self, key, *args, **kwargs)

        return read

    for name, original in originals.items():
        setattr(QueryDict, name, recording(original))
    try:
        yield names
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def pages_and_their_parameters(client, world):  # noqa: F811
    """[(url, sorted parameter names)] of every page a GET reaches."""
    pages = []
    for name, route, pattern in url_patterns():
        if name.startswith(("admin:", "admin/")) and name not in ("admin:index",):
            continue  # Django's own admin pages, tested by Django
        url = url_of(name, route, pattern, world)
        names = set()
        for _round in range(3):  # a parameter may be read only when another is given
            with recorded_query_reads() as read:
                response = client.get(url, dict.fromkeys(names, "1"))
            assert response.status_code < 500, f"GET {url}: {response.status_code}"
            if read <= names:
                break
            names |= read
        pages.append((url, sorted(names - {"next"})))
    return pages


def query_string(params):
    """The query string of {name: [values]}, any character sent as its UTF-8 bytes (lone
    surrogates too, as invalid UTF-8)."""
    return "&".join(
        f"{quote(name, safe='')}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for name, values in params.items()
        for value in values
    )


def test_every_page_the_walk_finds_reads_some_query_parameters(world, admin_user):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    pages = dict(pages_and_their_parameters(client, world))

    assert "q" in pages["/parts/"] and "model" in pages["/parts/"]
    part_page = next(params for url, params in pages.items() if url.startswith("/dashboards/parts"))
    assert {"start", "end", "q", "stage", "state", "held"} <= set(part_page)


def test_no_value_of_any_query_parameter_of_any_page_gives_a_server_error(
    world,  # noqa: F811
    admin_user,
):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    pages = pages_and_their_parameters(client, world)
    queries = st.sampled_from(pages).flatmap(
        lambda page: st.tuples(
            st.just(page[0]),
            st.dictionaries(
                st.sampled_from(page[1] or ["q"]), st.lists(query_values, min_size=1, max_size=2)
            ),
            st.sampled_from(["", "\x00", "%00", "/" + "9" * 3000]),
        )
    )

    @FUZZ
    @given(query=queries)
    def no_server_error(query):
        url, params, suffix = query
        address = url + (suffix if url.endswith("/") else "") + "?" + query_string(params)
        response = client.get(address)
        assert response.status_code < 500, f"GET {address[:300]}: {response.status_code}"

    no_server_error()
