"""The library's logger, and the filter that keeps auth tokens out of every log record."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable

logger = logging.getLogger("cavatica_async")
# A library prints nothing of its own accord: without this, Python's last-resort handler
# would print every WARNING to stderr of a program that never configured logging.
logger.addHandler(logging.NullHandler())

# The auth headers sevenbridges-python masks, plus Authorization, which it forgets
# (docs/platform.md#how-the-official-clients-behave).
SENSITIVE_HEADERS = frozenset({"x-sbg-auth-token", "authorization", "x-sbg-session-id"})
MASK = "***"
MIN_SECRET = 8

# Loggers whose records may show request data: ours, and the HTTP stack's, which users turn
# up to DEBUG when debugging. A filter on a logger sees only records logged on that very
# logger, not those propagated from its children, so each child is listed.
_GUARDED_LOGGERS = (
    "cavatica_async",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict, with the value of every auth header replaced by a mask."""
    return {name: MASK if name.lower() in SENSITIVE_HEADERS else value for name, value in headers}


class _Secrets:
    """The tokens of the clients alive in this process, counted per client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, secret: str) -> None:
        # Masking a very short string would garble every message that contains its letters;
        # platform tokens are 32 characters, so anything under 8 is not one.
        if len(secret) < MIN_SECRET:
            return
        with self._lock:
            self._counts[secret] += 1

    def discard(self, secret: str) -> None:
        if len(secret) < MIN_SECRET:
            return
        with self._lock:
            self._counts[secret] -= 1
            if self._counts[secret] <= 0:
                del self._counts[secret]

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = list(self._counts)
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text

    def redact_cut(self, text: str) -> str:
        """`redact`, for text cut short: also masks a token's start left at the cut."""
        text = self.redact(text)
        with self._lock:
            secrets = list(self._counts)
        for secret in secrets:
            for length in range(len(secret) - 1, MIN_SECRET - 1, -1):
                if text.endswith(secret[:length]):
                    return text[:-length] + MASK
        return text


secrets = _Secrets()


class RedactingFilter(logging.Filter):
    """Replaces every live token in a record's message and traceback text by a mask."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = secrets.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = secrets.redact(logging.Formatter().formatException(record.exc_info))
        return True


def install_redaction() -> None:
    """Attach the redacting filter to every guarded logger (once)."""
    for name in _GUARDED_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())


install_redaction()
