"""Serving the simulator: in-process through httpx, or over real HTTP on 127.0.0.1 (uvicorn)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio
import httpx
import uvicorn
from starlette.types import ASGIApp

from cavatica_async.simulator.http import ConnectionDropped


class DroppingTransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport, with a dropped connection surfacing as httpx's own error."""

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` to the app in-process."""
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def aclose(self) -> None:
        """Nothing to close beyond the ASGI transport."""
        await self._asgi.aclose()


class _HideDrops(logging.Filter):
    # uvicorn logs an app exception as an error; a drop we staged on purpose is not one.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


# Requests still being answered when the server stops (a long `latency` fault, say) are
# cancelled after this long, rather than waited for.
GRACEFUL_SHUTDOWN = 1  # seconds (uvicorn takes whole ones)


def _server(app: ASGIApp, host: str, port: int) -> tuple[uvicorn.Server, socket.socket]:
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in errors.filters):  # once, however many servers
        errors.addFilter(_HideDrops())
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # accept into the backlog at once, before uvicorn takes over
    # The app sends its own Date (the simulator's clock, which tests may set apart from ours).
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        date_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    return uvicorn.Server(config), sock


def base_url(sock: socket.socket) -> str:
    """The API root served on `sock`."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/v2" if ":" in host else f"http://{host}:{port}/v2"


class Served:
    """An app served over HTTP: its API root, and the connections clients hold open to it."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self.base_url = base_url(sock)
        self._server = server

    def connections(self) -> int:
        """How many client connections the server holds open now."""
        return len(self._server.server_state.connections)


def _thread(server: uvicorn.Server, sock: socket.socket) -> threading.Thread:
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="cavatica-simulator", daemon=True
    )
    thread.start()
    return thread


def _check_alive(thread: threading.Thread) -> None:
    if not thread.is_alive():
        raise RuntimeError("the simulator's HTTP server did not start")


@asynccontextmanager
async def serve(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[Served]:
    """Serve `app` on a free port in a thread of its own; yield it served; stop on exit.

    uvicorn runs asyncio only, so it gets its own thread and loop: the caller may be on asyncio
    or trio, and the simulator's work never shares the caller's event loop.
    """
    server, sock = _server(app, host, port)
    thread = _thread(server, sock)
    try:
        while not server.started:
            _check_alive(thread)
            await anyio.sleep(0.01)
        yield Served(server, sock)
    finally:
        server.should_exit = True
        await anyio.to_thread.run_sync(thread.join)
        sock.close()


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[Served]:
    """`serve` without an event loop of the caller's: for synchronous code (a pytest fixture
    that any async plugin, loop or loop scope can share)."""
    server, sock = _server(app, host, port)
    thread = _thread(server, sock)
    try:
        while not server.started:
            _check_alive(thread)
            time.sleep(0.01)
        yield Served(server, sock)
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def run(app: ASGIApp, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve `app` in this thread until interrupted (Ctrl-C); `on_ready` gets the API root."""
    server, sock = _server(app, host, port)
    on_ready(base_url(sock))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
