"""Library messages, put in the command line's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from cavatica_async.cli.messages import CLI_WORDS, in_cli_words
from cavatica_async.config import ConfigError, check_base_url, resolve_config


def raised_messages() -> list[str]:
    """What the library says where the command line rewords it."""
    said = []
    for attempt in (
        lambda: resolve_config(),
        lambda: check_base_url("http://example.org/v2"),
        lambda: resolve_config(token="t" * 32, base_url="https://a.example/v2", platform="cgc"),
    ):
        with pytest.raises(ConfigError) as raised:
            attempt()
        said.append(str(raised.value))
    return said


@pytest.mark.usefixtures("isolated_env")
@pytest.mark.parametrize(("library", "cli"), CLI_WORDS)
def test_each_phrase_is_still_one_the_library_says(library: str, cli: str) -> None:
    # A library message reworded without this table would reach the command line as it is.
    assert any(library in message for message in raised_messages())
    assert "=" not in cli


def test_no_token_message_names_what_the_command_line_can_do(isolated_env: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_config()
    said = in_cli_words(str(raised.value))
    assert "token=" not in said
    assert "token argument" not in said
    assert "set $SB_AUTH_TOKEN, or add auth_token to [default] in" in said


def test_an_explicit_profile_does_not_send_the_user_to_the_variable(isolated_env: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_config(profile="cgc")
    assert "SB_AUTH_TOKEN" not in str(raised.value)
    assert "add auth_token to [cgc] in" in str(raised.value)


def test_plain_http_and_both_places_name_no_library_argument() -> None:
    with pytest.raises(ConfigError) as raised:
        check_base_url("http://example.org/v2")
    assert "allow_insecure_http" not in in_cli_words(str(raised.value))
    with pytest.raises(ConfigError) as raised:
        resolve_config(token="t" * 32, base_url="https://a.example/v2", platform="cgc")
    assert in_cli_words(str(raised.value)) == "give --base-url or --platform, not both"
