"""Configuration: precedence, platform names, credentials file, URL safety."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from cavatica_async.config import (
    PLATFORMS,
    ConfigError,
    CredentialsPermissionWarning,
    Secret,
    check_base_url,
    resolve_config,
)

CGC = "https://cgc-api.sbgenomics.com/v2"
CAVATICA = "https://cavatica-api.sbgenomics.com/v2"


def write_credentials(home: Path, text: str, mode: int = 0o600) -> Path:
    path = home / ".sevenbridges" / "credentials"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def credentials(isolated_env: Path) -> Path:
    return write_credentials(
        isolated_env,
        "[default]\napi_endpoint = https://file.example/v2\nauth_token = file-token\n\n"
        "[cgc]\napi_endpoint = https://cgc-api.sbgenomics.com/v2\nauth_token = cgc-token\n",
    )


def test_arguments_win_over_environment_and_file(
    credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "env-token")
    monkeypatch.setenv("SB_API_ENDPOINT", "https://env.example/v2")
    config = resolve_config(token="arg-token", base_url="https://arg.example/v2")
    assert (config.token.reveal(), config.base_url) == ("arg-token", "https://arg.example/v2")
    assert config.source == "the token argument"


def test_token_argument_alone_uses_cavatica(credentials: Path) -> None:
    config = resolve_config(token="arg-token")
    assert config.base_url == CAVATICA


def test_environment_wins_over_file(credentials: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "env-token")
    monkeypatch.setenv("SB_API_ENDPOINT", "https://env.example/v2")
    config = resolve_config()
    assert (config.token.reveal(), config.base_url) == ("env-token", "https://env.example/v2")
    assert config.source == "$SB_AUTH_TOKEN"


def test_environment_token_without_endpoint_defaults_to_cavatica(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "env-token")
    assert resolve_config().base_url == CAVATICA


def test_platform_argument_overrides_environment_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "env-token")
    monkeypatch.setenv("SB_API_ENDPOINT", "https://env.example/v2")
    assert resolve_config(platform="cgc").base_url == CGC


def test_file_default_profile(credentials: Path) -> None:
    config = resolve_config()
    assert (config.token.reveal(), config.base_url) == ("file-token", "https://file.example/v2")
    assert config.source == f"{credentials} [default]"


def test_sb_profile_picks_the_profile(credentials: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_PROFILE", "cgc")
    config = resolve_config()
    assert (config.token.reveal(), config.base_url) == ("cgc-token", CGC)


def test_explicit_profile_ignores_environment(
    credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "env-token")
    assert resolve_config(profile="cgc").token.reveal() == "cgc-token"


def test_explicit_profile_with_token_argument_keeps_profile_endpoint(credentials: Path) -> None:
    config = resolve_config(profile="cgc", token="arg-token")
    assert (config.token.reveal(), config.base_url) == ("arg-token", CGC)


def test_nothing_found_names_every_place(isolated_env: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config()
    message = str(info.value)
    assert "token argument (not given)" in message
    assert "$SB_AUTH_TOKEN (not set)" in message
    assert f"{isolated_env}/.sevenbridges/credentials [default] (no such file)" in message


def test_missing_profile_lists_the_profiles(credentials: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[nope\] \(no such profile; profiles: default, cgc\)"):
        resolve_config(profile="nope")


def test_profile_without_token_is_reported(isolated_env: Path) -> None:
    write_credentials(isolated_env, "[default]\napi_endpoint = https://x.example/v2\n")
    with pytest.raises(ConfigError, match=r"\(the profile has no auth_token\)"):
        resolve_config()


def test_malformed_file_never_echoes_its_lines(isolated_env: Path) -> None:
    path = write_credentials(isolated_env, "auth_token = leaked-secret\n[default]\n")
    with pytest.raises(ConfigError) as info:
        resolve_config()
    assert f"{path} is not a valid credentials file at line 1" in str(info.value)
    assert "leaked-secret" not in str(info.value)


def test_loose_permissions_warn(isolated_env: Path) -> None:
    path = write_credentials(isolated_env, "[default]\nauth_token = t\n", mode=0o644)
    with pytest.warns(CredentialsPermissionWarning, match=rf"chmod 600 {path}"):
        resolve_config()


def test_private_file_does_not_warn(credentials: Path) -> None:
    assert os.stat(credentials).st_mode & 0o777 == 0o600
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_config()


@pytest.mark.parametrize(("name", "url"), sorted(PLATFORMS.items()))
def test_platform_names_map_to_urls(name: str, url: str) -> None:
    assert resolve_config(token="t", platform=name).base_url == url


def test_platform_names_are_case_insensitive() -> None:
    assert resolve_config(token="t", platform="CGC").base_url == CGC


def test_unknown_platform_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown platform 'mars'; known platforms: cavatica, "):
        resolve_config(token="t", platform="mars")


def test_base_url_and_platform_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="base_url or platform, not both"):
        resolve_config(token="t", base_url="https://x.example/v2", platform="cgc")


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("ab cd", "whitespace"),
        ("ab\x00cd", "control"),
        ("t\u00f6ken", "not ASCII"),
    ],
)
def test_bad_tokens_are_refused_without_echo(token: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        resolve_config(token=token)
    if token.strip():
        assert token not in str(info.value)


def test_secret_and_config_hide_the_token() -> None:
    config = resolve_config(token="very-secret-token")
    for text in (repr(config), str(config), repr(config.token), f"{config.token}"):
        assert "very-secret-token" not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://cavatica-api.sbgenomics.com/v2",
        "http://127.0.0.1:8080/v2",
        "http://127.9.9.9/v2",
        "http://localhost:9000/v2",
        "http://[::1]:9000/v2",
    ],
)
def test_safe_urls_are_accepted(url: str) -> None:
    assert check_base_url(url + "/") == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "http://cavatica-api.sbgenomics.com/v2",
            "refusing to send the auth token over plain http",
        ),
        ("http://10.0.0.5/v2", "refusing"),
        ("ftp://example.com/v2", "not an http"),
        ("cavatica-api.sbgenomics.com/v2", "not an http"),
        ("https:///v2", "not an http"),
        ("https://user:pw@example.com/v2", "user name or password"),
        ("https://example.com/v 2", "whitespace or control characters"),
        ("https://example.com/v2\x00", "whitespace or control characters"),
        ("https://[::1/v2", "not a valid URL"),
    ],
)
def test_unsafe_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        check_base_url(url)


def test_insecure_http_can_be_allowed_explicitly() -> None:
    url = "http://sim.internal/v2"
    assert check_base_url(url, allow_insecure_http=True) == url


def test_secret_reveals_only_on_request() -> None:
    assert Secret("x").reveal() == "x"


def test_a_trailing_newline_from_a_file_or_variable_is_dropped() -> None:
    assert check_base_url("https://example.com/v2/\n") == "https://example.com/v2"
