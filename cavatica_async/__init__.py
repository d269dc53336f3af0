"""Async client and job watcher for CAVATICA / Seven Bridges asynchronous file jobs."""

from cavatica_async._version import __version__
from cavatica_async.client import CavaticaClient
from cavatica_async.clock import Clock, SystemClock
from cavatica_async.config import PLATFORMS, Config, CredentialsPermissionWarning, resolve_config
from cavatica_async.errors import (
    ApiError,
    BadRequestError,
    CavaticaError,
    ClientClosedError,
    ConfigError,
    ConflictError,
    DecodeError,
    ErrorCode,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    TransportTimeoutError,
    UnauthorizedError,
)
from cavatica_async.models import RateLimit
from cavatica_async.retry import NO_RETRY, RetryAttempt, RetryPolicy
from cavatica_async.transport import Timeout

__all__ = [
    "NO_RETRY",
    "PLATFORMS",
    "ApiError",
    "BadRequestError",
    "CavaticaClient",
    "CavaticaError",
    "ClientClosedError",
    "Clock",
    "Config",
    "ConfigError",
    "ConflictError",
    "CredentialsPermissionWarning",
    "DecodeError",
    "ErrorCode",
    "ForbiddenError",
    "MaintenanceError",
    "NotFoundError",
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
    "__version__",
    "resolve_config",
]
