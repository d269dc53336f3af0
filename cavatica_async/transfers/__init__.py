"""Transfers: from a list of files to finished jobs, through crashes, without a second start."""

from cavatica_async.transfers.journal import SCHEMA_VERSION, ItemState, Journal, JournalItem

__all__ = ["SCHEMA_VERSION", "ItemState", "Journal", "JournalItem"]
