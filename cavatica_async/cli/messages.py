"""Library messages in the command line's words: the library's hints name its arguments, and
the command line has flags for some of them and none for others."""

from __future__ import annotations

# (what the library says, what the command line says instead). The command line has no token
# flag (a token in a command line is visible to every user of the machine) and no plain-http
# flag (the token would cross the network readable).
CLI_WORDS = (
    ("the token argument (not given); ", ""),
    ("pass token=..., or ", ""),
    ("give base_url or platform, not both", "give --base-url or --platform, not both"),
    (
        "use https, or pass allow_insecure_http=True",
        "use https (plain http goes only to 127.0.0.1, ::1 or localhost)",
    ),
)


def in_cli_words(message: str) -> str:
    """`message` with the library's argument names put as the command line's flags."""
    for library, cli in CLI_WORDS:
        message = message.replace(library, cli)
    return message
