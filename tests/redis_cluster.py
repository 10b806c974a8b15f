"""A throwaway 3-master Redis Cluster for the tests, on free loopback ports.

Each master is a redis-server with `--cluster-enabled yes`, its own temp dir and no
persistence; `redis-cli --cluster create` joins them (no replicas), and the cluster is ready
once every node reports `cluster_state:ok`. It never touches a Redis already running.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.redis_server import REDIS_SERVER_MISSING

MASTERS = 3
_READY_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class RedisClusterNodes:
    ports: tuple[int, ...]

    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"


def _free_cluster_port(taken: set[int]) -> int:
    """A free loopback port whose cluster bus port (port + 10000) is free and valid too."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20_000, 45_000)
        if port in taken or port + 10_000 in taken:
            continue
        try:
            for candidate in (port, port + 10_000):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        taken.update((port, port + 10_000))
        return port
    raise RuntimeError("no free pair of loopback ports for a cluster node")


def _ask(port: int, command: bytes) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(command)
            return sock.recv(4096)
    except OSError:
        return b""


def _wait(predicate: str, ports: tuple[int, ...], command: bytes, expected: bytes) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if all(expected in _ask(port, command) for port in ports):
            return
        time.sleep(0.05)
    raise TimeoutError(f"the test cluster on ports {ports} did not become {predicate} in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_cluster() -> Iterator[RedisClusterNodes]:
    """Start 3 cluster-enabled masters, join them, yield them once the cluster is ok."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        raise RuntimeError(REDIS_SERVER_MISSING)
    with tempfile.TemporaryDirectory(prefix="redis-cluster-test-") as directory:
        processes: list[subprocess.Popen[bytes]] = []
        taken: set[int] = set()
        ports = tuple(_free_cluster_port(taken) for _ in range(MASTERS))
        try:
            for port in ports:
                workdir = Path(directory) / str(port)
                workdir.mkdir()
                command = [
                    server,
                    "--port", str(port),
                    "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", str(workdir / "nodes.conf"),
                    "--cluster-node-timeout", "5000",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(workdir),
                    "--daemonize", "no",
                ]  # fmt: skip
                log = (workdir / "redis.log").open("wb")
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
                log.close()
            _wait("reachable", ports, b"PING\r\n", b"+PONG")
            subprocess.run(
                [
                    cli,
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{port}" for port in ports),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            _wait("ok", ports, b"CLUSTER INFO\r\n", b"cluster_state:ok")
            yield RedisClusterNodes(ports)
        finally:
            for process in processes:
                _stop(process)
