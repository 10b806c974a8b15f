"""`promise-gateway serve --workers 2`: each worker listens on a socket of its own (SO_REUSEPORT).

Real processes throughout. Which worker holds a connection is read from /proc: the inode of
the accepted socket (/proc/net/tcp) among the worker's file descriptors, not anything the
server says about itself.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gateway.served import REPO, clean_environment, gateway_command, output_of, wait_until
from tests.redis_server import free_port
from tests.worker_processes import spawned_workers

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux only"
)

SIGNING_KEYS = "test-1:a-signing-secret-of-the-worker-tests"
# Hashed over 2 sockets, all 64 land on the same one with a chance of 2**-63.
CONNECTIONS = 64
_LISTEN, _ESTABLISHED = "0A", "01"


def _tcp_sockets(port: int, state: str) -> set[int]:
    """The inodes of the TCP sockets of local port `port` in `state` (a /proc/net/tcp code)."""
    inodes = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        with contextlib.suppress(FileNotFoundError):
            for row in table.read_text().splitlines()[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    """The sockets among the file descriptors of `pid`; none once it has exited."""
    found = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    found.add(int(target.removeprefix("socket:[").removesuffix("]")))
    return found


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return output_of(self.log)

    def holders(self, state: str) -> Counter[int]:
        """How many sockets of the port in `state` each worker holds."""
        inodes = _tcp_sockets(self.port, state)
        held = {pid: len(inodes & _socket_inodes(pid)) for pid in spawned_workers(self.process.pid)}
        return Counter({pid: count for pid, count in held.items() if count})

    def only_live_listen(self, dead: int) -> bool:
        """Whether every listening socket of the port is held by a worker other than `dead`."""
        live = [pid for pid in spawned_workers(self.process.pid) if pid != dead]
        held = set().union(*(_socket_inodes(pid) for pid in live))
        return _tcp_sockets(self.port, _LISTEN) <= held

    def wait_for(self, ready: str, check: Callable[[], bool]) -> None:
        wait_until(self.process, self.log, ready, check)

    def wait_until_serving(self, *, without: int | None = None) -> list[int]:
        """The 2 workers, once each listens on a socket of its own (and neither is `without`)."""

        def serving() -> bool:
            # Two sockets, one in each worker: one socket shared by both would be uvicorn's way.
            listening = self.holders(_LISTEN)
            return (
                len(_tcp_sockets(self.port, _LISTEN)) == 2
                and sorted(listening.values()) == [1, 1]
                and without not in listening
            )

        self.wait_for("2 workers listening", serving)
        return sorted(self.holders(_LISTEN))


@contextlib.contextmanager
def running_gateway(store_url: str, log: Path, *, port: int | None = None) -> Iterator[Gateway]:
    """`serve --workers 2` until the block ends; then every process it started is gone."""
    port = port or free_port()
    command = gateway_command(
        "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port), "--store", store_url
    )
    env = {**clean_environment(), "QUOTE_SIGNING_KEYS": SIGNING_KEYS}
    with log.open("wb") as sink:
        # A session of its own, so that the workers can be killed with the parent by group.
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
    try:
        yield Gateway(process, port, log)
    finally:
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        # Workers left behind by a parent that died or hung.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def held_connections(port: int, count: int) -> Iterator[None]:
    """`count` new connections, each answered once on /healthz and kept open until the end."""
    with contextlib.ExitStack() as stack:
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            stack.callback(connection.close)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, body
        yield


@pytest.fixture
def gateway(fresh_redis_url: str, tmp_path: Path) -> Iterator[Gateway]:
    with running_gateway(fresh_redis_url, tmp_path / "gateway.log") as started:
        yield started


def test_new_connections_are_spread_over_both_workers(gateway: Gateway) -> None:
    workers = gateway.wait_until_serving()

    with held_connections(gateway.port, CONNECTIONS):
        held = gateway.holders(_ESTABLISHED)

    assert sum(held.values()) == CONNECTIONS, held
    assert sorted(held) == workers, held


def test_a_killed_worker_is_replaced_and_the_other_answers_meanwhile(gateway: Gateway) -> None:
    killed, survivor = gateway.wait_until_serving()

    os.kill(killed, signal.SIGKILL)
    # Its listening socket dies with it, so the kernel sends no connection there any more;
    # the socket closes only once its exit is done (slower for a larger process).
    gateway.wait_for("rid of the killed worker's socket", lambda: gateway.only_live_listen(killed))
    with held_connections(gateway.port, 16):
        pass

    workers = gateway.wait_until_serving(without=killed)
    assert survivor in workers
    with held_connections(gateway.port, CONNECTIONS):
        held = gateway.holders(_ESTABLISHED)
    assert sorted(held) == workers, held
    assert f"Child process [{killed}] died" in gateway.output()


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_parent_stops_every_worker_gracefully(
    gateway: Gateway, sent: signal.Signals
) -> None:
    workers = gateway.wait_until_serving()

    # Idle keep-alive connections are closed by the shutdown, not waited for.
    with held_connections(gateway.port, 4):
        gateway.process.send_signal(sent)
        code = gateway.process.wait(timeout=15)

    assert code == 0, gateway.output()
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert gateway.output().count("Application shutdown complete") == len(workers)
    assert "Traceback" not in gateway.output()


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "SO_REUSEPORT"])
def test_a_port_another_socket_listens_on_is_refused(
    reuse_port: bool, fresh_redis_url: str, tmp_path: Path
) -> None:
    # A listener with SO_REUSEPORT of the same user is the one the kernel would let the
    # workers share, splitting the connections with it: it is refused all the same.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        if reuse_port:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with running_gateway(fresh_redis_url, tmp_path / "gateway.log", port=port) as refused:
            code = refused.process.wait(timeout=30)
            output = refused.output()

    assert code == 2, output
    assert f"127.0.0.1:{port}" in output
    assert "already in use" in output
    assert "Started parent process" not in output
