"""A tiny Nominatim-compatible geocoder on a free loopback port, for the geocoding tests.

It answers `/search?q=...&format=json` from a fixed table, counts the lookups it served, and
can be told to hold its answers until the test ends (to test the gateway's timeout).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLACES = {
    "20 place bellecour, 69002 lyon": (45.7578, 4.8320),
    "1 rue de la république, 13001 marseille": (43.2977, 5.3723),
}


@dataclass
class Stub:
    url: str
    lookups: list[str] = field(default_factory=list)
    # While set, an answer waits for `released`: the gateway's timeout must answer first.
    holding: bool = False
    released: threading.Event = field(default_factory=threading.Event)


# The longest a held answer waits: a gateway without a timeout gets the address, and its test fails.
_HOLD_CAP_SECONDS = 10.0


@contextmanager
def running_nominatim() -> Iterator[Stub]:
    stub = Stub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query).get("q", [""])[0]
            stub.lookups.append(query)
            if stub.holding:
                stub.released.wait(_HOLD_CAP_SECONDS)
            found = PLACES.get(" ".join(query.lower().split()))
            answer = (
                [{"lat": str(found[0]), "lon": str(found[1]), "display_name": query}]
                if parts.path == "/search" and found
                else []
            )
            body = json.dumps(answer).encode("utf-8")
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the gateway gave up waiting: expected in the timeout test

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    # Polled often, so that shutting the stub down at the end of each test takes no time.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
