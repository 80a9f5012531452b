"""The small protocol every capability's command module registers its subcommands through.

A capability package (`create_repo`, `update`, `fleet`, ...) has a library part
that raises `goldenpath.errors` and returns results, and a `commands` module
with `register(commands: Commands) -> None`. `goldenpath.cli` is the list of
those functions. Each command gets a one-line summary for the top-level help,
a description, and one example in its epilog, so `--help` is written for people.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

Handler = Callable[[argparse.Namespace], int]


class Registrar(Protocol):
    def __call__(self, commands: Commands, /) -> None: ...


class Commands:
    """One level of subcommands (`goldenpath X`, or `goldenpath databricks X`)."""

    def __init__(self, parser: argparse.ArgumentParser, prefix: str = "") -> None:
        self._prefix = prefix
        self._action = parser.add_subparsers(required=True, metavar="COMMAND", title="commands")

    def add(
        self, name: str, *, summary: str, description: str, example: str, handler: Handler
    ) -> argparse.ArgumentParser:
        """A command running `handler`; its arguments are added to the returned parser."""
        parser = self._parser(name, summary, description, example)
        parser.set_defaults(handler=handler)
        return parser

    def group(self, name: str, *, summary: str, description: str, example: str) -> Commands:
        """A command with subcommands of its own (`goldenpath databricks preflight`)."""
        return Commands(self._parser(name, summary, description, example), f"{self._prefix}{name} ")

    def _parser(self, name: str, summary: str, description: str, example: str) -> argparse.ArgumentParser:
        command = f"{self._prefix}{name}"
        parser = self._action.add_parser(
            name,
            help=summary,
            description=description,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(command=command)
        return parser
