"""A tiny HTTP/1.1 server on 127.0.0.1 for tests that need real sockets and connection pools."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketAttribute, SocketStream


class LoopbackServer:
    """Answers every request with one JSON body, or, when `hang` is set, never answers."""

    def __init__(self, body: object, *, hang: bool = False) -> None:
        self.payload = json.dumps(body).encode()
        self.hang = hang
        self.received = anyio.Event()
        self.requests = 0

    async def handle(self, stream: SocketStream) -> None:
        async with stream:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        chunk = await stream.receive()
                    except (anyio.EndOfStream, anyio.BrokenResourceError):
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += await stream.receive()
                buffer = buffer[length:]
                self.requests += 1
                self.received.set()
                if self.hang:
                    await anyio.sleep_forever()
                await stream.send(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"X-Request-Id: loop-1\r\nX-RateLimit-Limit: 1000\r\n"
                    b"X-RateLimit-Remaining: 999\r\nX-RateLimit-Reset: 1700000300\r\n"
                    + f"Content-Length: {len(self.payload)}\r\n\r\n".encode()
                    + self.payload
                )


@asynccontextmanager
async def serve(server: LoopbackServer) -> AsyncIterator[str]:
    """Serve on a free port of 127.0.0.1 and yield the API base URL."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, server.handle)
        try:
            yield f"http://127.0.0.1:{port}/v2"
        finally:
            group.cancel_scope.cancel()
