"""The small protocol every capability's command module registers its subcommands through.

A capability package (`create_repo`, `update`, `fleet`, ...) has a library part
that raises `goldenpath.errors` and returns results, and a `commands` module
with `register(commands: Commands) -> None`. `goldenpath.cli` is the list of
those functions. Each command gets a one-line summary for the top-level help,
a description, and one example in its epilog, so `--help` is written for people.
"""

from __future__ import annotations

import argparse
import functools
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from goldenpath.naming import example_repo_name, teams_for_unit
from goldenpath.settings import SettingsError, load_settings

Handler = Callable[[argparse.Namespace], int]


class Registrar(Protocol):
    def __call__(self, commands: Commands, /) -> None: ...


class Commands:
    """One level of subcommands (`goldenpath X`, or `goldenpath databricks X`).

    `parser` is the command they belong to; when it also runs by itself
    (`group(..., handler=)`), a subcommand is optional and its own arguments go on `parser`.
    """

    def __init__(self, parser: argparse.ArgumentParser, prefix: str = "", *, required: bool = True) -> None:
        self.parser = parser
        self._prefix = prefix
        self._action = parser.add_subparsers(
            required=required, metavar="COMMAND" if required else "[COMMAND]", title="commands"
        )

    def add(
        self, name: str, *, summary: str, description: str, example: str, handler: Handler
    ) -> argparse.ArgumentParser:
        """A command running `handler`; its arguments are added to the returned parser."""
        parser = self._parser(name, summary, description, example)
        parser.set_defaults(handler=handler)
        return parser

    def group(
        self, name: str, *, summary: str, description: str, example: str, handler: Handler | None = None
    ) -> Commands:
        """A command with subcommands of its own (`goldenpath databricks preflight`); with `handler`, it
        also runs by itself when no subcommand is given (`goldenpath fleet [options]`)."""
        parser = self._parser(name, summary, description, example)
        if handler is not None:
            parser.set_defaults(handler=handler)
        return Commands(parser, f"{self._prefix}{name} ", required=handler is None)

    def _parser(self, name: str, summary: str, description: str, example: str) -> argparse.ArgumentParser:
        command = f"{self._prefix}{name}"
        parser = self._action.add_parser(
            name,
            help=summary,
            description=description,
            epilog=f"example:\n  {example}",
            formatter_class=HelpFormatter,
        )
        parser.set_defaults(command=command)
        return parser


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrap as paragraphs; indented lines (the example) keep their line breaks."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith("  ") for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                flowing = " ".join(paragraph.split())
                paragraphs.append(
                    textwrap.fill(flowing, width, initial_indent=indent, subsequent_indent=indent)
                )
        return "\n\n".join(paragraphs)


@functools.cache
def example_repo() -> tuple[str, str]:
    """A valid repository name and a team that may create it, from the settings, for the examples in help."""
    try:
        settings = load_settings()
    except SettingsError:  # help still works; the command itself will say what is wrong with the settings
        return "UNIT-DOMAIN-USECASE", "TEAM"
    name = example_repo_name(settings)
    return name, teams_for_unit(name.split("-", 1)[0], settings)[0]


def existing_directory(text: str) -> Path:
    """An argument type: a directory that exists; anything else is a usage error naming the path."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a directory")
    return path
