"""Reading an answer's body within a size cap, decompressing it here so no layer can pass it.

httpx decompresses each network chunk whole, and several stacked codings one after the other,
so a few kilobytes of `Content-Encoding: gzip, gzip` become gigabytes before any cap can look.
The client asks only for what it can decode with a bounded inflater (gzip, deflate) and reads
the raw bytes itself: the decoded size is checked a step at a time, and an answer in any other
coding is refused.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

import httpx

from cavatica_async.errors import DecodeError, TransportError, shown

ACCEPT_ENCODING = "gzip, deflate"  # what `Inflater` decodes; sent with every request
ABANDON_CHUNKS = 16  # read at most this many more chunks of an answer refused as too large
WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}  # identity: none


class Inflater:
    """Decodes one body's coding a step at a time, never producing more than it is allowed."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        wbits = WBITS.get(coding)
        self._inflate = None if wbits is None else zlib.decompressobj(wbits)
        self._started = False
        self.trailing = 0  # bytes after the end of the compressed stream, counted not kept

    def decode(self, data: bytes, room: int) -> bytes:
        """The decoded bytes of `data`, at most `room + 1` of them (more means over the cap)."""
        if self._inflate is None:
            return data
        if self._inflate.eof:
            # zlib would keep appending whatever follows the stream's end to `unused_data`,
            # copying it each time: counted against the cap instead, and dropped.
            self.trailing += len(data)
            return b""
        try:
            out = self._inflate.decompress(data, room + 1)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            # "deflate" is sent both zlib-wrapped and raw; httpx accepts both, so do we.
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflate.decompress(data, room + 1)
        self._started = True
        if self._inflate.eof:
            self.trailing += len(self._inflate.unused_data)
        return out

    def flush(self, room: int) -> bytes:
        """What the coding still holds at the end of the body."""
        if self._inflate is None:
            return b""
        return self._inflate.flush()[: room + 1]


async def read_body(response: httpx.Response, cap: int, method: str, url: str) -> bytes:
    """The whole decoded body of `response`; `DecodeError` past `cap` bytes, read no further."""
    what = f"HTTP {response.status_code} from {method} {url}"
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > cap:
        raise _too_large(response, what, cap, f"declares {int(declared):,} bytes")
    if response.is_stream_consumed:
        # An in-memory transport (httpx's MockTransport) hands over a body it already read.
        if len(response.content) > cap:
            raise _too_large(response, what, cap, f"has {len(response.content):,} bytes")
        return response.content
    inflater = Inflater(_coding(response, what))
    chunks: list[bytes] = []
    size = 0
    raw = response.aiter_raw()
    async for chunk in raw:
        try:
            piece = inflater.decode(chunk, cap - size)
        except zlib.error as exc:
            await _abandon(response, raw)
            raise _corrupt(inflater, exc, method, url) from exc
        size += len(piece)
        if size + inflater.trailing > cap:
            await _abandon(response, raw)
            raise _too_large(response, what, cap, f"passed {size + inflater.trailing:,} bytes")
        chunks.append(piece)
    try:
        tail = inflater.flush(cap - size)
    except zlib.error as exc:
        raise _corrupt(inflater, exc, method, url) from exc
    if size + len(tail) > cap:
        raise _too_large(response, what, cap, f"passed {size + len(tail):,} bytes")
    chunks.append(tail)
    return b"".join(chunks)


def _corrupt(inflater: Inflater, exc: zlib.error, method: str, url: str) -> TransportError:
    return TransportError(
        f"DecodingError: the {inflater.coding} body is corrupt ({exc})",
        method=method,
        url=url,
        request_sent=True,
    )


def check_status(response: httpx.Response, method: str, url: str) -> None:
    """`TransportError` unless the answer has a real HTTP status (a custom transport can hand
    back anything)."""
    status = response.status_code
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise TransportError(
            f"the answer has no HTTP status ({shown(str(status), 20)!r})",
            method=method,
            url=url,
            request_sent=True,
        )


def _coding(response: httpx.Response, what: str) -> str:
    """The one coding of the body (identity, gzip or deflate), or `DecodeError`."""
    codings = [
        part.strip().lower()
        for part in response.headers.get("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "deflate", "x-gzip"):
        return "gzip" if codings[0] == "x-gzip" else codings[0]
    raise DecodeError(
        f"{what}: the body is encoded as {shown(', '.join(codings), 100)!r}; the client asked "
        f"for {ACCEPT_ENCODING} only",
        status=response.status_code,
        permanent=True,
    )


def _too_large(response: httpx.Response, what: str, cap: int, how: str) -> DecodeError:
    return DecodeError(
        f"{what}: the answer {how}, over the {cap:,}-byte cap (max_body_size); the rest was "
        "not read",
        status=response.status_code,
        permanent=True,
    )


async def _abandon(response: httpx.Response, body: AsyncIterator[bytes]) -> None:
    """Stop reading an answer: close its connection, then let the readers see it end.

    httpx reads through nested async generators; breaking out of the outer one would leave
    the inner ones to the garbage collector (which trio reports). Closed first, the stream
    ends or fails at once and every layer finishes; a stream that ignores closing is left
    after a few chunks rather than read on.
    """
    await response.aclose()
    with contextlib.suppress(Exception):
        for _ in range(ABANDON_CHUNKS):
            await body.__anext__()
