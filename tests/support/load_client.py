"""A small HTTP client for concurrency tests: threads, keep-alive connections.

Each client thread holds one ``http.client`` connection to the server and sends JSON
requests on it, as a station's scanner box or a test fixture would.
"""

import http.client
import json
import threading
from urllib.parse import urlsplit


class JsonClient:
    """One keep-alive connection sending JSON with a bearer token."""

    def __init__(self, base_url, token, timeout=30):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(self, path, body):
        self.connection.request("POST", path, body=json.dumps(body), headers=self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def close(self):
        self.connection.close()


def all_at_once(calls, timeout=60):
    """Run every call in its own thread, released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported as the result, for the test to show
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
