"""One run of a journal at a time: an operating-system lock beside the journal file.

Two runs of one journal would both start what is planned. The lock is advisory and the
operating system's, so a run that dies, even by kill -9, lets go of it
(docs/transfers.md#the-journal).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from cavatica_async.errors import CavaticaError


class JournalError(CavaticaError):
    """The journal file cannot be used (another schema version, not a journal, in use)."""


def hold_lock(path: Path) -> IO[str] | None:
    """Hold `<path>-lock` exclusively (POSIX); `JournalError` if another run holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one run at a time is the user's
        return None
    try:
        handle = open(f"{path}-lock", "a")  # noqa: SIM115 (held until the journal closes)
    except OSError as exc:
        raise JournalError(f"{path} cannot be opened as a journal: {exc}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise JournalError(
            f"{path} is in use by another run (it holds {path}-lock); one run at a time"
        ) from None
    try:
        names = path.stat().st_nlink
    except FileNotFoundError:
        names = 1  # a new journal
    if names > 1:
        handle.close()
        # A run through another name would hold another lock and SQLite other side files:
        # two runs could start the same items.
        raise JournalError(
            f"{path} has {names} names (hard links); a journal must have one: copy it instead"
        )
    return handle


def held_by_a_run(path: Path) -> bool:
    """Whether a run holds the journal at `path` now (its lock taken); False where locks are
    not kept (Windows) or the journal was never run."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        handle = open(f"{path.resolve()}-lock")  # noqa: SIM115 (closed below)
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        return False  # closing the file lets go of the shared lock just taken


def release_lock(handle: IO[str] | None) -> None:
    """Let go of a lock `hold_lock` took (None: nothing held)."""
    if handle is not None:
        handle.close()  # closing the file lets go of its lock
