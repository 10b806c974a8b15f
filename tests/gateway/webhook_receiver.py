"""A real webhook receiver for the tests: an HTTP server on a loopback port, in a thread.

It verifies every signature with standardwebhooks' own `Webhook.verify`, answers 503 while
`down()` says so, and keeps what it took by `webhook-id` (its idempotency check).
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SHUTDOWN_POLL_SECONDS = 0.01


@dataclass
class Received:
    secret: str = ""
    down: Callable[[], bool] = lambda: False
    taken: dict[str, int] = field(default_factory=dict)  # webhook-id -> times taken
    events: list[dict[str, Any]] = field(default_factory=list)  # in the order taken
    refused: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            with received.lock:
                if received.down():
                    received.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    payload = Webhook(received.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    received.bad_signatures += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                event_id = self.headers["webhook-id"]
                received.taken[event_id] = received.taken.get(event_id, 0) + 1
                if received.taken[event_id] == 1:
                    received.events.append(payload)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextlib.contextmanager
def receiver(received: Received) -> Iterator[str]:
    """Serve `received` on a free loopback port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(received))
    # The thread looks for shutdown() this often: at the library's default interval, every
    # test with a receiver would wait most of it for the receiver to stop.
    serving = functools.partial(server.serve_forever, poll_interval=SHUTDOWN_POLL_SECONDS)
    thread = threading.Thread(target=serving, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def statuses_by_allocation(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    for event in events:
        if event["type"].startswith("allocation."):
            by.setdefault(event["data"]["allocationId"], []).append(event["data"]["status"])
    return by


__all__ = ["Received", "json", "receiver", "statuses_by_allocation"]
