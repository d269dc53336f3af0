"""Transfers: from a list of files to finished jobs, through crashes, without a second start."""

from cavatica_async.transfers.engine import Transfer
from cavatica_async.transfers.journal import SCHEMA_VERSION, ItemState, Journal, JournalItem
from cavatica_async.transfers.journal_lock import JournalError
from cavatica_async.transfers.manifest import (
    Manifest,
    ManifestError,
    ManifestProblem,
    read_manifest,
)
from cavatica_async.transfers.report import write_report
from cavatica_async.transfers.run_options import Progress, TransferOptions
from cavatica_async.transfers.selection import copies_of, exports_of, imports_of
from cavatica_async.transfers.starter import StartOptions

__all__ = [
    "SCHEMA_VERSION",
    "ItemState",
    "Journal",
    "JournalError",
    "JournalItem",
    "Manifest",
    "ManifestError",
    "ManifestProblem",
    "Progress",
    "StartOptions",
    "Transfer",
    "TransferOptions",
    "copies_of",
    "exports_of",
    "imports_of",
    "read_manifest",
    "write_report",
]
