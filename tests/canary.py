"""The canary check: no token given to the library shows in a log record, exception, repr or
CLI output, anywhere in the suite.

conftest turns it on for the whole session: every simulator answers to `CANARY` (unless a test
names its own token), every token a client is built with joins `TOKENS`, a handler at DEBUG on
the root logger reads every record, every `CavaticaError` and client is checked when made, and
CLI tests pass their output to `shown`. A leak fails the session at its end.
"""

from __future__ import annotations

import logging
import traceback

# 32 characters, like a platform token; "CANARY" makes a leak easy to spot in a report.
CANARY = "CANARY0c4n4ry0c4n4ry0c4n4ry0c4n"
TOKENS: set[str] = {CANARY}
LEAKS: list[str] = []


def shown(where: str, text: str) -> None:
    """Check text that a user could see; a token in it is recorded as a leak."""
    for token in TOKENS:
        if token in text:
            LEAKS.append(f"{where}: {text[:300]!r}")


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
