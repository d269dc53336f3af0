"""Async client and job watcher for CAVATICA / Seven Bridges asynchronous file jobs."""

from cavatica_async._version import __version__
from cavatica_async.budget import RateBudget
from cavatica_async.client import CavaticaClient
from cavatica_async.clock import Clock, LoopClock, SystemClock
from cavatica_async.config import PLATFORMS, Config, CredentialsPermissionWarning, resolve_config
from cavatica_async.errors import (
    ApiError,
    BadRequestError,
    CavaticaError,
    ClientClosedError,
    ClientLoopError,
    ConfigError,
    ConflictError,
    DecodeError,
    ErrorCode,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    PartialStartError,
    RateLimitError,
    ServerError,
    TransportError,
    TransportTimeoutError,
    UnauthorizedError,
    WaitTimeoutError,
)
from cavatica_async.events import JobEvent, JobKind
from cavatica_async.file_walk import FileWalk
from cavatica_async.inputs import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.kinds import KINDS, KindInfo
from cavatica_async.models import (
    ApiErrorInfo,
    AsyncFileJob,
    AsyncJobState,
    AsyncJobType,
    BulkItem,
    DrsImportJob,
    DrsImportState,
    ExportJob,
    ExportState,
    File,
    ImportJob,
    ImportState,
    Page,
    RateLimit,
)
from cavatica_async.options import ClientOptions
from cavatica_async.polling import PollPolicy
from cavatica_async.pool import ClientStats
from cavatica_async.resources import (
    Project,
    User,
    Volume,
    VolumeObject,
    VolumePrefix,
    VolumeService,
)
from cavatica_async.retry import NO_RETRY, RetryAttempt, RetryPolicy
from cavatica_async.stats import WatcherStats
from cavatica_async.timeout import Timeout
from cavatica_async.volume_listing import VolumeListing
from cavatica_async.watcher import JobWatcher

__all__ = [
    "KINDS",
    "NO_RETRY",
    "PLATFORMS",
    "ApiError",
    "ApiErrorInfo",
    "AsyncFileJob",
    "AsyncJobState",
    "AsyncJobType",
    "BadRequestError",
    "BulkItem",
    "CavaticaClient",
    "CavaticaError",
    "ClientClosedError",
    "ClientLoopError",
    "ClientOptions",
    "ClientStats",
    "Clock",
    "Config",
    "ConfigError",
    "ConflictError",
    "CopyItem",
    "CredentialsPermissionWarning",
    "DecodeError",
    "DrsImportItem",
    "DrsImportJob",
    "DrsImportState",
    "ErrorCode",
    "ExportJob",
    "ExportRequest",
    "ExportState",
    "File",
    "FileWalk",
    "ForbiddenError",
    "ImportJob",
    "ImportRequest",
    "ImportState",
    "JobEvent",
    "JobKind",
    "JobWatcher",
    "KindInfo",
    "LoopClock",
    "MaintenanceError",
    "NotFoundError",
    "Page",
    "PartialStartError",
    "PollPolicy",
    "Project",
    "RateBudget",
    "RateLimit",
    "RateLimitError",
    "RetryAttempt",
    "RetryPolicy",
    "ServerError",
    "SystemClock",
    "Timeout",
    "TransportError",
    "TransportTimeoutError",
    "UnauthorizedError",
    "User",
    "Volume",
    "VolumeListing",
    "VolumeObject",
    "VolumePrefix",
    "VolumeService",
    "WaitTimeoutError",
    "WatcherStats",
    "__version__",
    "resolve_config",
]
