"""Several server processes on one port, each accepting from a listening socket of its own.

uvicorn's own `--workers` binds one socket in the parent and every worker accepts from it. The
kernel then wakes whichever worker it likes for each new connection, and with keep-alive
clients that open their connections once, one worker often ends up with nearly all of them
while the other idles: on a 2-core machine, 32 wrk connections gave 1,235 req/s when split
evenly and 792 req/s when one worker got all 32. With `SO_REUSEPORT` (Linux) each worker has
a socket of its own on the same address and the kernel spreads new connections over the
sockets by a hash of the client's address and port, so each worker gets its share.

uvicorn's supervisor hands its one socket to every worker, so the parent here does the little
of its work the gateway needs: it starts the workers with `spawn`, each running uvicorn's
`Server` on the app factory; it replaces a worker that dies; and on SIGINT or SIGTERM it sends
SIGTERM to every worker (SIGKILL after a while) and exits 0.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

# The parent's lines come out as uvicorn's supervisor's would, in the same log format.
log = logging.getLogger("uvicorn.error")

# A worker has this long after its SIGTERM to finish its requests and close the store.
STOP_TIMEOUT_SECONDS = 10.0
# How long the parent sleeps between looks at a signal that came in (the handler only notes it).
_POLL_SECONDS = 0.5
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_spawn = multiprocessing.get_context("spawn")


class PortTakenError(Exception):
    """The address cannot be served on, most often because something already listens there."""


def kernel_spreads_connections() -> bool:
    # BSD and macOS have SO_REUSEPORT too, but there it gives new connections to one of the
    # sockets rather than spreading them.
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> int:
    """Serve the app factory `app` (an import string) from `workers` processes; the exit code.

    `options` are uvicorn.Config's (log_level, log_config, access_log).
    """
    if not kernel_spreads_connections():
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return 0
    port = _claimable_port(host, port)
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    return _Supervisor(config, workers).run()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _claimable_port(host: str, port: int) -> int:
    """The port the workers will bind (the kernel's pick if 0), once nothing listens on it.

    Binding with SO_REUSEPORT fails next to a socket that did not set it, but succeeds next to
    any listener of the same user that did, such as a gateway left running, whose workers would
    then quietly take a share of the connections. Without SO_REUSEPORT the bind fails next to
    every listener; SO_REUSEADDR still lets it past the TIME_WAIT remains of an earlier run.
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortTakenError(
                    f"{_address(host, port)} is already in use by another process; "
                    "stop it or choose another --port"
                ) from error
            raise PortTakenError(f"cannot listen on {_address(host, port)}: {error}") from error
        claimed: int = probe.getsockname()[1]
        return claimed


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _work(config: uvicorn.Config) -> None:
    """The body of a worker process."""
    # A spawned process starts with logging unconfigured.
    config.configure_logging()
    try:
        sock = _listening_socket(config.host, config.port)
    except OSError as error:
        log.error("cannot bind %s: %s", _address(config.host, config.port), error)
        sys.exit(STARTUP_FAILURE)
    # Only bound: asyncio calls listen() once the app's lifespan has started, and the kernel
    # sends connections to listening sockets only, so none waits on a worker still starting.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


class _Supervisor:
    def __init__(self, config: uvicorn.Config, count: int) -> None:
        self._config = config
        self._count = count
        self._signalled: list[int] = []

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self._signalled.append(signum)

    def _start(self) -> SpawnProcess:
        process = _spawn.Process(target=_work, args=(self._config,), name="gateway-worker")
        process.start()
        return process

    def run(self) -> int:
        previous = {signum: signal.signal(signum, self._note) for signum in _SIGNALS}
        try:
            return self._supervise()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _supervise(self) -> int:
        log.info("Started parent process [%d]", os.getpid())
        log.info(
            "Uvicorn running on http://%s with %d workers, a SO_REUSEPORT socket each "
            "(Press CTRL+C to quit)",
            _address(self._config.host, self._config.port),
            self._count,
        )
        workers = [self._start() for _ in range(self._count)]
        code = 0
        while not self._signalled and code == 0:
            wait([worker.sentinel for worker in workers], timeout=_POLL_SECONDS)
            for index, worker in enumerate(workers):
                if worker.exitcode is None or self._signalled:
                    continue
                if worker.exitcode == STARTUP_FAILURE:
                    # The app, the store URL or the bind is broken: another would fail alike.
                    log.error("Child process [%d] failed to start; stopping", worker.pid)
                    code = STARTUP_FAILURE
                    break
                log.warning(
                    "Child process [%d] died (exit code %d); starting another",
                    worker.pid,
                    worker.exitcode,
                )
                workers[index] = self._start()
        if self._signalled:
            log.info("Received %s, exiting.", signal.Signals(self._signalled[0]).name)
        self._stop(workers)
        log.info("Stopping parent process [%d]", os.getpid())
        return code

    def _stop(self, workers: list[SpawnProcess]) -> None:
        for worker in workers:
            if worker.exitcode is None:
                worker.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.exitcode is None:
                log.error(
                    "Child process [%d] still running %.0f s after SIGTERM; killing it",
                    worker.pid,
                    STOP_TIMEOUT_SECONDS,
                )
                worker.kill()
                worker.join()
