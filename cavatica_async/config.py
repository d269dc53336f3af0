"""Where the token and API endpoint come from: arguments, environment, credentials file."""

from __future__ import annotations

import configparser
import ipaddress
import os
import stat
import warnings
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from cavatica_async.errors import ConfigError

# Base URLs per platform (docs/platform.md#base-urls; names follow sbg/sevenbridges2).
PLATFORMS: Mapping[str, str] = {
    "cavatica": "https://cavatica-api.sbgenomics.com/v2",
    "cgc": "https://cgc-api.sbgenomics.com/v2",
    "aws-us": "https://api.sbgenomics.com/v2",
    "aws-eu": "https://eu-api.sbgenomics.com/v2",
    "gcp": "https://gcp-api.sbgenomics.com/v2",
    "f4c": "https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2",
    "ali-cn": "https://api.sevenbridges.cn/v2",
}
"""The API root of each platform, by the name `CavaticaClient(platform=...)` takes."""
DEFAULT_PLATFORM = "cavatica"
# The file and variable names shared by sevenbridges-python and sevenbridges2
# (docs/platform.md#authentication-and-headers).
CREDENTIALS_FILE = Path("~/.sevenbridges/credentials")
TOKEN_ENV = "SB_AUTH_TOKEN"  # noqa: S105 (a variable name, not a secret)
ENDPOINT_ENV = "SB_API_ENDPOINT"
PROFILE_ENV = "SB_PROFILE"
DEFAULT_PROFILE = "default"


class CredentialsPermissionWarning(UserWarning):
    """The credentials file can be read by users other than its owner."""


class Secret:
    """A string that never shows itself in `repr`, `str` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@attrs.frozen
class Config:
    """A resolved configuration: base URL, token, and a description of where they came from."""

    base_url: str
    token: Secret = attrs.field(repr=False)
    source: str


def resolve_config(
    *,
    token: str | None = None,
    base_url: str | None = None,
    platform: str | None = None,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve the configuration: arguments, then environment, then the credentials file.

    A token argument wins; with none, `SB_AUTH_TOKEN` (+ `SB_API_ENDPOINT`), then the
    `SB_PROFILE` (or `default`) profile of `~/.sevenbridges/credentials`. An explicit `profile`
    reads only that profile. `base_url` / `platform` arguments override the endpoint of any
    source; with no endpoint anywhere, CAVATICA's is used.
    """
    env = os.environ if environ is None else environ
    if base_url is not None and platform is not None:
        raise ConfigError("give base_url or platform, not both")
    url_arg = base_url if base_url is not None else _platform_url(platform)

    if token is not None and profile is None:
        return _config(token, url_arg, None, "the token argument")

    looked_at: list[str] = []
    if profile is None:
        looked_at.append("the token argument (not given)")
        env_token = env.get(TOKEN_ENV)
        if env_token:
            return _config(env_token, url_arg, env.get(ENDPOINT_ENV), f"${TOKEN_ENV}")
        looked_at.append(f"${TOKEN_ENV} (not set)")

    profile_name = profile or env.get(PROFILE_ENV) or DEFAULT_PROFILE
    path = CREDENTIALS_FILE.expanduser()
    found = _read_profile(path, profile_name)
    if isinstance(found, dict) and token is None and "auth_token" not in found:
        found = "the profile has no auth_token"
    if isinstance(found, str):
        looked_at.append(f"{path} [{profile_name}] ({found})")
        # Only the places that were read: a profile named by the caller skips the variable.
        ways = ["pass token=...", "set $SB_AUTH_TOKEN"] if profile is None else []
        ways.append(f"add auth_token to [{profile_name}] in {path}")
        raise ConfigError(
            "no auth token found; looked at: " + "; ".join(looked_at) + ". " + ", or ".join(ways)
        )
    file_token = token if token is not None else found["auth_token"]
    return _config(file_token, url_arg, found.get("api_endpoint"), f"{path} [{profile_name}]")


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Validate a base URL and drop its trailing slash; plain http only to loopback hosts."""
    url = url.strip()  # a trailing newline from a file or a variable is no part of it
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ConfigError("base URL must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it: a port of 99999 raises)
    except ValueError as exc:
        raise ConfigError(f"base URL is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise ConfigError("base URL must not carry a user name or password")
    if parts.query or parts.fragment or url.rstrip("/").endswith(("?", "#")):
        # Paths are appended to the base URL: a query or fragment in it would swallow them.
        # Not echoed: a query may carry a secret.
        raise ConfigError("base URL must not have a query string or fragment (`?...`, `#...`)")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing to send the auth token over plain http to {parts.hostname}: "
            "use https, or pass allow_insecure_http=True"
        )
    return url.rstrip("/")


def _config(token: str | None, url_arg: str | None, url_found: str | None, source: str) -> Config:
    if not token or not token.strip():
        raise ConfigError(f"the auth token from {source} is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        # Said without echoing the token: it must never reach an exception message.
        raise ConfigError(f"the auth token from {source} contains whitespace or control characters")
    if not token.isascii():
        # An HTTP header carries ASCII only; httpx would say "'ascii' codec can't encode".
        raise ConfigError(f"the auth token from {source} has characters that are not ASCII")
    url = url_arg or url_found or PLATFORMS[DEFAULT_PLATFORM]
    return Config(base_url=url, token=Secret(token), source=source)


def _platform_url(platform: str | None) -> str | None:
    if platform is None:
        return None
    try:
        return PLATFORMS[platform.lower()]
    except KeyError:
        known = ", ".join(PLATFORMS)
        raise ConfigError(f"unknown platform {platform!r}; known platforms: {known}") from None


def _read_profile(path: Path, profile: str) -> dict[str, str] | str:
    """The profile's keys, or a short reason why there are none."""
    if not path.is_file():
        return "no such file"
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        # configparser quotes the offending line, which may hold a token: report only where.
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        raise ConfigError(
            f"{path} is not a valid credentials file{where} ({type(exc).__name__}); "
            "expected INI sections like [default] with api_endpoint and auth_token"
        ) from None
    if not parser.has_section(profile):
        sections = ", ".join(parser.sections()) or "none"
        return f"no such profile; profiles: {sections}"
    _warn_if_shared(path)
    return dict(parser.items(profile))


def _warn_if_shared(path: Path) -> None:
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}",
            CredentialsPermissionWarning,
            stacklevel=4,
        )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
