"""`--help` is written for people: commands in the order they meet them, every argument explained."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldenpath.cli import parser

GOLDENPATH = str(Path(sys.executable).parent / "goldenpath")
# The order people meet the commands: a data scientist's first, the platform team's last.
ORDER = [
    "new",
    "check-name",
    "check-repo",
    "update",
    "databricks",
    "trace",
    "monitor",
    "ab",
    "create-repo",
    "fleet",
    "release",
    "pin-refs",
]


def subcommands(command: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def every_command(
    command: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for name, sub in subcommands(command).items():
        yield " ".join((*path, name)), sub
        yield from every_command(sub, (*path, name))


COMMANDS = dict(every_command(parser()))


def test_the_top_level_help_is_for_people() -> None:
    result = subprocess.run([GOLDENPATH, "--help"], capture_output=True, text=True, check=True)
    text = result.stdout
    assert "goldenpath new" in text and "exit codes:" in text and "GITHUB_TOKEN" in text
    for internal in ("register(", "_CONCERNS", "argparse", "module"):
        assert internal not in text
    positions = [text.index(f"\n    {name}") for name in ORDER]
    assert positions == sorted(positions), "commands are listed in the order people meet them"
    assert list(subcommands(parser())) == ORDER


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_description_and_an_example(name: str) -> None:
    command = COMMANDS[name]
    assert command.description and len(command.description) > 40, name
    assert command.epilog and command.epilog.startswith("example:\n  "), name
    words = example_arguments(command.epilog)
    assert words[: len(name.split())] == name.split(), f"{name}'s example runs another command"


def example_arguments(epilog: str) -> list[str]:
    """The arguments of the example's `goldenpath` command line (environment assignments before it dropped)."""
    words = epilog.split("\n", 1)[1].split()
    return words[words.index("goldenpath") + 1 :]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_argument_has_help(name: str) -> None:
    for action in COMMANDS[name]._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        assert action.help and action.help != argparse.SUPPRESS, (
            f"{name} {action.option_strings or action.dest}"
        )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_examples_command_and_options_parse(name: str) -> None:
    """The example in each epilog is a command line this CLI accepts."""
    if subcommands(COMMANDS[name]):
        return
    args = parser().parse_args(example_arguments(COMMANDS[name].epilog or ""))
    assert args.command == name


def test_a_command_with_subcommands_also_runs_by_itself() -> None:
    """`goldenpath fleet [options]` scans; `goldenpath fleet merge ...` merges; a plain group needs its command."""
    from goldenpath.commands import Commands

    def scan(args: argparse.Namespace) -> int:
        return 0

    def merge(args: argparse.Namespace) -> int:
        return 0

    top = argparse.ArgumentParser(prog="goldenpath")
    commands = Commands(top)
    fleet = commands.group("fleet", summary="s", description="d", example="goldenpath fleet", handler=scan)
    fleet.parser.add_argument("--org", help="the org")
    fleet.add("merge", summary="m", description="d", example="goldenpath fleet merge", handler=merge)
    plain = commands.group("databricks", summary="s", description="d", example="goldenpath databricks verify")
    plain.add("verify", summary="v", description="d", example="goldenpath databricks verify", handler=merge)
    alone = top.parse_args(["fleet", "--org", "acme"])
    assert (alone.command, alone.handler, alone.org) == ("fleet", scan, "acme")
    sub = top.parse_args(["fleet", "merge"])
    assert (sub.command, sub.handler) == ("fleet merge", merge)
    with pytest.raises(SystemExit):
        top.parse_args(["databricks"])
