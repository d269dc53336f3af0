"""The canary check: no token given to the library shows in a log record, an exception, or
CLI output, anywhere in the suite.

conftest turns it on for the whole session through public surfaces only: a handler at DEBUG on
the root logger reads every record; every exception a test catches with `pytest.raises`, and
every one that escapes a test, is read with its chain; CLI tests pass their output to `shown`.
The tokens looked for are the suite's own (`CANARY`, which the shared simulators answer to, and
`tests.helpers.TOKEN`) and any token a live client holds (the library's registry of tokens to
mask, asked whether it would mask anything). A leak fails the session at its end.
"""

from __future__ import annotations

import logging
import traceback

from cavatica_async._logging import secrets

# 32 characters, like a platform token; "CANARY" makes a leak easy to spot in a report.
CANARY = "CANARY0c4n4ry0c4n4ry0c4n4ry0c4n"
TOKENS: set[str] = {CANARY}
LEAKS: list[str] = []


def shown(where: str, text: str) -> None:
    """Check text that a user could see; a token in it is recorded as a leak."""
    if any(token in text for token in TOKENS) or secrets.redact(text) != text:
        LEAKS.append(f"{where}: {text[:300]!r}")


def raised(where: str, error: BaseException) -> None:
    """Check an exception as a user would see it: its text, repr, fields and whole chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        fields = " ".join(str(value) for value in vars(current).values())
        shown(f"{where}: {type(current).__name__}", f"{current} {current!r} {fields}")
        current = current.__cause__ or current.__context__


class CanaryHandler(logging.Handler):
    """Reads every log record, message and traceback, as a handler would print it."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        # A formatter prints `exc_text` when a filter has set it (ours sets it masked).
        if record.exc_text:
            text += record.exc_text
        elif record.exc_info and record.exc_info[1] is not None:
            text += "".join(traceback.format_exception(record.exc_info[1]))
        shown(f"log record of {record.name}", text)
