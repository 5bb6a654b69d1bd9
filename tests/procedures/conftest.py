import pytest


@pytest.fixture
def htmx_post(client_for, engineer):
    """Post to a URL as a signed-in engineer, the way htmx does."""
    client = client_for(engineer)

    def post(url, data):
        return client.post(url, data, headers={"HX-Request": "true"})

    return post
