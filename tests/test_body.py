"""Reading bodies within the cap: the client's own bounded inflater, over real sockets."""

from __future__ import annotations

import gzip
import json
import zlib

import anyio
import pytest

from cavatica_async import (
    NO_RETRY,
    CavaticaClient,
    DecodeError,
    Timeout,
    TransportError,
    TransportTimeoutError,
)
from cavatica_async.body import Inflater

from tests.loopback import LoopbackServer, Reply, serve

pytestmark = pytest.mark.anyio

TOKEN = "b" * 32
JOB = {"id": "e1", "state": "RUNNING"}


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the HTTP spec says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw, as some servers send
        ("identity", lambda data: data),
    ],
)
def test_the_inflater_decodes_each_coding_within_its_room(coding: str, encode: object) -> None:
    data = b"x" * 100_000
    encoded = encode(data)  # type: ignore[operator]
    inflater = Inflater(coding)
    out = inflater.decode(encoded[:10], 10**9) + inflater.decode(encoded[10:], 10**9)
    assert out + inflater.flush(10**9) == data
    # Given less room than the data needs, it stops one byte past the room: over the cap. (An
    # identity body is never larger than what arrived, which the reader counts.)
    if coding != "identity":
        assert len(Inflater(coding).decode(encoded, 1000)) == 1001


async def answer_with(reply: Reply, **client: object) -> object:
    """What `exports.get` returns or raises against a server answering `reply`."""
    server = LoopbackServer(answer=lambda target, body: reply)
    async with (
        serve(server) as base_url,
        CavaticaClient(token=TOKEN, base_url=base_url, **client) as api,  # type: ignore[arg-type]
    ):
        try:
            return await api.exports.get("e1")
        except Exception as exc:  # raised out here, not through the server's task group
            return exc


async def raises(reply: Reply, **client: object) -> BaseException:
    outcome = await answer_with(reply, **client)
    assert isinstance(outcome, BaseException), outcome
    return outcome


async def test_a_gzip_answer_is_read() -> None:
    raw = gzip.compress(json.dumps(JOB).encode())
    job = await answer_with(Reply(raw=raw, headers={"Content-Encoding": "gzip"}))
    assert getattr(job, "id", None) == "e1"


async def test_a_gzip_bomb_is_refused_at_the_cap() -> None:
    bomb = gzip.compress(b"[" + b" " * 50_000_000 + b"]")  # 49 kB on the wire
    reply = Reply(raw=bomb, headers={"Content-Encoding": "gzip"})
    error = await raises(reply, max_body_size=1_000_000)
    assert isinstance(error, DecodeError)
    assert "passed 1,000,001 bytes, over the 1,000,000-byte cap" in str(error)


@pytest.mark.parametrize("coding", ["gzip, gzip", "br", "zstd", "gzip, deflate"])
async def test_a_coding_the_client_did_not_ask_for_is_refused(coding: str) -> None:
    reply = Reply(raw=b"whatever", headers={"Content-Encoding": coding})
    error = await raises(reply)
    assert isinstance(error, DecodeError)
    assert "the client asked for gzip, deflate only" in str(error)


async def test_a_corrupt_gzip_body_is_a_transport_error() -> None:
    reply = Reply(raw=b"\x1f\x8b not really gzip", headers={"Content-Encoding": "gzip"})
    error = await raises(reply, retry=NO_RETRY)
    assert isinstance(error, TransportError)
    assert "the gzip body is corrupt" in str(error)


async def test_the_total_timeout_bounds_a_slow_drip_get() -> None:
    reply = Reply(JOB, stall="drip", drip=0.3)  # about 10 s of body, each byte within 0.3 s
    started = anyio.current_time()
    error = await raises(reply, timeout=Timeout(read=5, total=1.5), retry=NO_RETRY)
    assert isinstance(error, TransportTimeoutError)
    assert "no whole answer within 1.5 s (Timeout.total)" in str(error)
    assert anyio.current_time() - started < 3


def test_bytes_after_the_end_of_the_stream_are_counted_not_kept() -> None:
    inflater = Inflater("gzip")
    assert inflater.decode(gzip.compress(b"{}") + b"\0" * 10, 10**6) == b"{}"
    assert inflater.decode(b"\0" * 65536, 10**6) == b""
    assert inflater.trailing == 10 + 65536
