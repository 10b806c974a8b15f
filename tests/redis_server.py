"""A throwaway redis-server for the tests, on a free loopback port and its own temp dir.

It never touches a Redis that already runs on the machine (127.0.0.1:6379 or any other):
the tests only ever talk to the server started here, and it dies with them.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REDIS_SERVER_MISSING = (
    "redis-server not found: install Debian's redis-server package (apt-get install redis-server)"
)

_START_ATTEMPTS = 3
_STARTUP_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class RedisServer:
    port: int
    unix_socket: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def unix_url(self, db: int = 0) -> str:
        return f"unix://{self.unix_socket}?db={db}"


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    # A raw PING keeps the helper free of any Redis client that would need closing.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _wait_until_ready(process: subprocess.Popen[bytes], port: int) -> bool:
    """True once the server answers PING; False if it exited (say, its port was taken)."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if _answers_ping(port):
            return True
        time.sleep(0.01)
    raise TimeoutError(f"redis-server on port {port} did not answer PING in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Start redis-server (no persistence, not daemonized), yield it, and stop it.

    The free port is found before the server binds it, so another process may take it in
    between; the server then exits at once and is started again on another port.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(REDIS_SERVER_MISSING)
    with tempfile.TemporaryDirectory(prefix="redis-test-") as directory:
        workdir = Path(directory)
        unix_socket = workdir / "redis.sock"
        log_path = workdir / "redis.log"
        for _ in range(_START_ATTEMPTS):
            port = free_port()
            command = [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--unixsocket", str(unix_socket),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", directory,
                "--daemonize", "no",
            ]  # fmt: skip
            with log_path.open("wb") as log:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                try:
                    if _wait_until_ready(process, port):
                        yield RedisServer(port=port, unix_socket=unix_socket)
                        return
                finally:
                    _stop(process)
        raise RuntimeError(
            f"redis-server failed to start {_START_ATTEMPTS} times; its last log:\n"
            + log_path.read_text(errors="replace")
        )


class RestartableRedis:
    """A redis-server the test may stop and start again on the same port (same temp dir)."""

    def __init__(self, binary: str, directory: str) -> None:
        self._binary = binary
        self._directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self._binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", self._directory,
            "--daemonize", "no",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        if not _wait_until_ready(self._process, self.port):
            raise RuntimeError(f"redis-server did not start again on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None


@contextlib.contextmanager
def restartable_redis() -> Iterator[RestartableRedis]:
    """A redis-server of the test's own, stopped at the end whatever state it is in."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(REDIS_SERVER_MISSING)
    with tempfile.TemporaryDirectory(prefix="redis-restart-") as directory:
        server = RestartableRedis(binary, directory)
        server.start()
        try:
            yield server
        finally:
            server.stop()
