"""Whatever a person types, `goldenpath` answers with an exit code and a message, never a traceback.

Random argument lists for every command: its own example (which parses, so
the handler runs) with words inserted, replaced or dropped, the words drawn
from its options, awkward values and arbitrary text. They run in-process in an
empty directory, with GitHub and Databricks pointed at a port nothing listens
on: `main` must return a code (argparse's own usage errors exit 2); any
exception escaping it fails.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_help import COMMANDS, example_arguments, subcommands

from contract_world import SDK_VARIABLES, closed_port
from goldenpath.cli import main

LEAVES = sorted(name for name, command in COMMANDS.items() if not subcommands(command))
VALUES = st.sampled_from(
    [
        "",
        "-",
        "--",
        ".",
        "..",
        "/",
        "/nonexistent",
        "v1.2.3",
        "v1",
        "1",
        "0",
        "-1",
        "acc",
        "x=y",
        "=",
        "a/b",
        "${{ x }}",
    ]
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


def options(name: str) -> list[str]:
    """Every option string of the command (its `--defaults` left out: it would render a whole repo)."""
    found = [
        s
        for a in COMMANDS[name]._actions
        for s in a.option_strings
        if not isinstance(a, argparse._HelpAction)
    ]
    return [option for option in found if option != "--defaults"]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(LEAVES))
    line = example_arguments(COMMANDS[name].epilog or "")[len(name.split()) :]
    words = st.one_of(st.sampled_from(options(name) or ["--json"]), VALUES, TEXT)
    edits = st.tuples(st.sampled_from(["insert", "replace", "drop"]), st.integers(0, 12), words)
    for edit, index, word in draw(st.lists(edits, max_size=4)):
        at = index % (len(line) + 1)
        if edit == "insert":
            line.insert(at, word)
        elif line and at < len(line):
            line[at : at + 1] = [word] if edit == "replace" else []
    return [*name.split(), *line]


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory, no credentials, every service on a closed port, short bounds."""
    for variable in [v for v in os.environ if v.startswith(SDK_VARIABLES)]:
        monkeypatch.delenv(variable)
    closed = closed_port()
    monkeypatch.setenv("GITHUB_API_URL", closed)
    monkeypatch.setenv("GITHUB_SERVER_URL", closed)
    monkeypatch.setenv("DATABRICKS_HOST", closed)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("GOLDENPATH_REQUEST_TIMEOUT", "2")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=command_lines())
def test_random_command_lines_never_end_in_a_traceback(
    argv: list[str], nowhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        code = int(exit_.code or 0)
        assert code in (0, 2), argv
    assert code in (0, 1, 2, 3), argv
    assert "Traceback" not in capsys.readouterr().err
