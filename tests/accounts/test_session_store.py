"""The session store's memory of data whose signature held never outlives the keys it held under."""

import pytest

from shopfloor.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_session_data_signed_by_a_key_taken_away_is_refused_though_read_before(settings):
    store = SessionStore()
    store["line"] = "L1"
    store.save()
    assert SessionStore(store.session_key).load() == {"line": "L1"}  # checked and remembered

    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "k" * 50, [old_key]
    assert SessionStore(store.session_key).load() == {"line": "L1"}  # the old key still held

    settings.SECRET_KEY_FALLBACKS = []
    assert SessionStore(store.session_key).load() == {}
