"""The one cattrs converter: how JSON bodies become models, and the lenient rules that apply."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from cavatica_async.errors import DecodeError, bounded_text, shown
from cavatica_async.models import ApiErrorInfo, OpenEnum, RateLimit

T = TypeVar("T")
_FRACTION = re.compile(r"\.(\d+)")

converter = cattrs.Converter()


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime from an ISO 8601 string or a Unix epoch in seconds or milliseconds."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and (":" in value or not _is_number(value)):
        # No number has a colon: an ISO time skips the costly failed float(), and on 3.11+ the
        # normalising below (a bulk answer carries three timestamps per job).
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = datetime.fromisoformat(_iso_for_python310(value))
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"not a finite timestamp: {value!r}")
        # The CAVATICA rate_limit page shows `reset` in milliseconds (1445694506797); all other
        # pages use seconds. A value past 1e12 cannot be seconds (that is the year 33658).
        if seconds > 1e12:
            seconds /= 1000
        parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
    else:
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso_for_python310(text: str) -> str:
    # Before 3.11, fromisoformat rejects the "Z" suffix the platform sends, and fractions of
    # other than 3 or 6 digits: normalise both.
    text = text.strip().replace("Z", "+00:00")
    fraction = _FRACTION.search(text)
    if fraction:
        digits = (fraction.group(1) + "000000")[:6]
        text = f"{text[: fraction.start()]}.{digits}{text[fraction.end() :]}"
    return text


def parse_int(value: object) -> int:
    """An int from an int or a numeric string (the docs type job counts as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected an integer, got {value!r}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_str(value: object) -> str:
    """A string, or a number's text (ids such as DRS job ids may arrive as numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {value!r}")


def parse_bool(value: object) -> bool:
    """A bool from a JSON bool or the strings "true" / "false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected a boolean, got {value!r}")


def _objects_only(cls: type[Any]) -> Callable[[Any, type[Any]], Any]:
    # cattrs reads an attrs class's fields with `name in value`, so a list or a string where
    # an object is documented would silently give every field its default.
    build = make_dict_structure_fn(cls, converter)

    def structure_object(value: Any, _: type[Any]) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {type(value).__name__}")
        return build(value, cls)

    return structure_object


converter.register_structure_hook_factory(attrs.has, _objects_only)
_error_info = _objects_only(ApiErrorInfo)


def _structure_error_info(value: Any, cls: type[Any]) -> ApiErrorInfo:
    # An error object from a body (a bulk item's, a job's) is shown to users as it is: its
    # texts are bounded and masked like every error text taken from an answer.
    info: ApiErrorInfo = _error_info(value, cls)
    return attrs.evolve(
        info, message=bounded_text(info.message), more_info=bounded_text(info.more_info)
    )


converter.register_structure_hook(ApiErrorInfo, _structure_error_info)
converter.register_structure_hook(datetime, lambda value, _: parse_timestamp(value))
converter.register_structure_hook(int, lambda value, _: parse_int(value))
converter.register_structure_hook(bool, lambda value, _: parse_bool(value))
converter.register_structure_hook(str, lambda value, _: parse_str(value))
# The state enums subclass str, so they need their own (more specific) hook: the enum itself.
converter.register_structure_hook(OpenEnum, lambda value, cls: cls(value))


@attrs.frozen
class _Rate:
    limit: int
    remaining: int
    reset: datetime


@attrs.frozen
class _InstanceLimit:
    limit: int
    remaining: int


@attrs.frozen
class _RateLimitBody:
    rate: _Rate
    instance_limit: _InstanceLimit | None = None


def _structure_rate_limit(value: Any, _: type) -> RateLimit:
    # GET /v2/rate_limit nests the numbers: {rate: {...}, instance_limit: {...}}.
    body = converter.structure(value, _RateLimitBody)
    instance = body.instance_limit
    return RateLimit(
        limit=body.rate.limit,
        remaining=body.rate.remaining,
        reset=body.rate.reset,
        instance_limit=instance.limit if instance else None,
        instance_remaining=instance.remaining if instance else None,
    )


converter.register_structure_hook(RateLimit, _structure_rate_limit)


def structure(data: Any, cls: type[T], *, what: str) -> T:
    """Build `cls` from JSON, or raise `DecodeError` naming `what`, the job id and each field."""
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="$"))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        problems = str(exc) or type(exc).__name__
    if len(problems) > 1000:
        problems = problems[:1000] + "..."
    name = getattr(cls, "__name__", str(cls))
    raise DecodeError(f"{what}{_about(data)} does not fit {name}: {problems}", permanent=True)


def structure_job(data: Any, cls: type[T], *, job_id: str, what: str) -> T:
    """`structure`, then a `DecodeError` unless the answer is about `job_id` itself.

    An answer naming another job (a platform bug, a caching proxy) must never be taken as the
    asked job's state.
    """
    return structure_about(data, cls, resource_id=job_id, what=what)


def structure_about(data: Any, cls: type[T], *, resource_id: str, what: str) -> T:
    """`structure`, then a `DecodeError` unless the answer's `id` is `resource_id` (a job, a
    file, a project, a volume: an answer about another one is never taken for it)."""
    found = structure(data, cls, what=what)
    answered = str(getattr(found, "id", None))
    if answered != resource_id:
        raise DecodeError(
            f"{what} is about {shown(answered, 100)!r}, not the one asked for", permanent=True
        )
    return found


def _about(data: Any) -> str:
    job_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(job_id, bool) or not isinstance(job_id, (str, int)):
        return ""
    return f" (id {shown(str(job_id), 100)!r})"
