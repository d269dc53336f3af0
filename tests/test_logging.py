"""The token never reaches a log record: ours, httpx's or httpcore's, even at DEBUG."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import anyio
import httpx
import pytest

from cavatica_async import CavaticaClient, RetryPolicy
from cavatica_async._logging import RedactingFilter, redact_headers

from tests.helpers import TOKEN
from tests.loopback import LoopbackServer, serve

pytestmark = pytest.mark.anyio

LOGGERS = ("cavatica_async", "httpx", "httpcore")


class Capture(logging.Handler):
    """Formats every record it sees, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("bearer", [False, True])
async def test_full_request_cycle_at_debug_never_logs_the_token(
    capture: Capture, bearer: bool
) -> None:
    server = LoopbackServer({"rate": {"limit": 1000, "remaining": 1, "reset": 1700000300}})
    async with (
        serve(server) as base_url,
        CavaticaClient(
            token=TOKEN, base_url=base_url, bearer=bearer, transport=httpx.AsyncHTTPTransport()
        ) as client,
    ):
        await client.get_rate_limit()
    text = "\n".join(capture.lines)
    # The cycle really was logged, by every layer, with the auth header shown masked.
    assert any(line.startswith("httpcore.") for line in capture.lines)
    assert any(line.startswith("httpx ") for line in capture.lines)
    header = "'authorization': '***'" if bearer else "'x-sbg-auth-token': '***'"
    assert header in text
    assert "-> 200 in" in text
    assert TOKEN not in text


async def test_retries_and_failures_never_log_the_token(capture: Capture) -> None:
    async with CavaticaClient(
        token=TOKEN,
        base_url="http://127.0.0.1:9/v2",  # discard port: nothing listens
        transport=httpx.AsyncHTTPTransport(),
        retry=RetryPolicy(max_retries=1, base_delay=0.001),
    ) as client:
        with pytest.raises(Exception, match="ConnectError"):
            await client.get_rate_limit()
    text = "\n".join(capture.lines)
    assert "retry 1 of GET /rate_limit" in text
    assert TOKEN not in text


def test_filter_masks_a_token_in_messages_args_and_tracebacks(capture: Capture) -> None:
    logger = logging.getLogger("httpcore.http11")
    client = CavaticaClient(token=TOKEN)  # registers the token as a live secret
    try:
        logger.debug("headers were %s", {"x-sbg-auth-token": TOKEN})
        logger.debug(f"inline {TOKEN}")
        try:
            raise RuntimeError(f"boom {TOKEN}")
        except RuntimeError:
            logger.exception("failed")
        assert sys.exc_info() == (None, None, None)
    finally:
        anyio.run(client.aclose)
    text = "\n".join(capture.lines)
    assert text.count("***") >= 3
    assert TOKEN not in text


def test_redact_headers_masks_every_auth_header() -> None:
    headers = [
        ("X-SBG-Auth-Token", "a"),
        ("Authorization", "Bearer b"),
        ("X-SBG-Session-Id", "c"),
        ("Accept", "application/json"),
    ]
    assert redact_headers(headers) == {
        "X-SBG-Auth-Token": "***",
        "Authorization": "***",
        "X-SBG-Session-Id": "***",
        "Accept": "application/json",
    }


def test_every_guarded_logger_has_the_filter() -> None:
    for name in ("cavatica_async", "httpx", "httpcore", "httpcore.http11", "httpcore.connection"):
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters), name


def test_the_library_prints_nothing_until_logging_is_configured() -> None:
    # With a handler of its own, the logger never falls back to Python's last-resort handler,
    # which prints WARNING records of unconfigured programs to stderr.
    handlers = logging.getLogger("cavatica_async").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)
