"""A tiny HTTP/1.1 server on 127.0.0.1 for tests that need real sockets and connection pools."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import attrs
from anyio.abc import SocketAttribute, SocketStream


@attrs.frozen
class Reply:
    """How the server answers one request: a JSON reply, or a stall at some point of it."""

    body: object = None
    status: int = 200
    headers: dict[str, str] = attrs.Factory(dict)
    stall: str | None = None  # "headers": never answer; "body": stop halfway through the body;
    # "drip": send the body one byte every `drip` seconds (each read well within its timeout)
    drip: float = 0.3
    raw: bytes | None = None  # sent as the body instead of `body` as JSON (a gzip bomb, say)


class LoopbackServer:
    """Answers every request with one JSON body (or as `answer` says); `hang`: never answers.

    `stalled` is set when an answer stalls; `open_streams` counts connections not yet closed.
    """

    def __init__(
        self,
        body: object = None,
        *,
        hang: bool = False,
        answer: Callable[[str, bytes], Reply] | None = None,
    ) -> None:
        self.payload = json.dumps(body).encode()
        self.hang = hang
        self.answer = answer
        self.received = anyio.Event()
        self.stalled = anyio.Event()
        self.requests = 0
        self.open_streams = 0

    def _reply(self, target: str, body: bytes) -> Reply:
        if self.answer is not None:
            return self.answer(target, body)
        return Reply(json.loads(self.payload), stall="headers" if self.hang else None)

    async def handle(self, stream: SocketStream) -> None:
        self.open_streams += 1
        try:
            async with stream:
                await self._serve(stream)
        finally:
            self.open_streams -= 1

    async def _serve(self, stream: SocketStream) -> None:
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
            body, buffer = buffer[:length], buffer[length:]
            self.requests += 1
            self.received.set()
            reply = self._reply(head.split(b" ")[1].decode(), body)
            if reply.stall == "headers":
                self.stalled.set()
                await _until_closed(stream)
                return
            payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Request-Id": "loop-1",
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "999",
                "X-RateLimit-Reset": "1700000300",
                **reply.headers,
                "Content-Length": str(len(payload)),
            }
            lines = [f"HTTP/1.1 {reply.status} Answer"] + [f"{k}: {v}" for k, v in headers.items()]
            head_out = ("\r\n".join(lines) + "\r\n\r\n").encode()
            if reply.stall == "drip":
                await stream.send(head_out)
                self.stalled.set()
                try:
                    for byte in payload:
                        await anyio.sleep(reply.drip)
                        await stream.send(bytes([byte]))
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return
                continue
            if reply.stall == "body":
                await stream.send(head_out + payload[: len(payload) // 2])
                self.stalled.set()
                await _until_closed(stream)
                return
            await stream.send(head_out + payload)


async def _until_closed(stream: SocketStream) -> None:
    """Stall: read (and drop) whatever comes until the client closes the connection."""
    try:
        while True:
            await stream.receive()
    except (anyio.EndOfStream, anyio.BrokenResourceError):
        return


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
