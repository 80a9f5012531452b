"""This repository's docs site builds strictly and documents every workflow and action interface.

`mkdocs build --strict` fails on a page missing from nav, a nav entry without a
page, and broken links or anchors (mkdocs.yml `validation:`). The interface
tests read each workflow's `inputs:`/`secrets:`/`outputs:` and each action's
`inputs:`/`outputs:` and compare them with the tables of its page (first header
cell `input`, `secret` or `output`; names in backticks in the first column).
How to add a page: docs/contributing.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import REPO_ROOT

BIN = Path(sys.executable).parent
DOCS = REPO_ROOT / "docs"
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((REPO_ROOT / "actions").glob("*/action.yml"))
KINDS = ("input", "secret", "output")
ROW_NAME = re.compile(r"^\|\s*`(?P<name>[^`]+)`\s*\|")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def documented(page: Path) -> dict[str, set[str]]:
    """Names listed per kind in the page's `| input | ...`, `| secret | ...`, `| output | ...` tables."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    kind = None
    for line in page.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            kind = None
            continue
        header = _cells(line)[0]
        if kind is None:
            kind = header if header in KINDS else ""
            continue
        match = ROW_NAME.match(line)
        if kind and match:
            found[kind].add(match["name"])
    return found


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def declared_by_workflow(path: Path) -> dict[str, set[str]]:
    data = _load(path)
    on = data.get("on", data.get(True)) or {}  # PyYAML reads the key `on` as True
    triggers = on if isinstance(on, dict) else {}
    call = triggers.get("workflow_call") or {}
    dispatch = triggers.get("workflow_dispatch") or {}
    return {
        "input": set(call.get("inputs") or {}) | set(dispatch.get("inputs") or {}),
        "secret": set(call.get("secrets") or {}),
        "output": set(call.get("outputs") or {}),
    }


def declared_by_action(path: Path) -> dict[str, set[str]]:
    data = _load(path)
    return {"input": set(data.get("inputs") or {}), "secret": set(), "output": set(data.get("outputs") or {})}


def interfaces() -> Iterator[tuple[Path, Path, dict[str, set[str]]]]:
    for workflow in WORKFLOWS:
        yield workflow, DOCS / "workflows" / f"{workflow.stem}.md", declared_by_workflow(workflow)
    for action in ACTIONS:
        yield action, DOCS / "actions" / f"{action.parent.name}.md", declared_by_action(action)


def _id(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "workflows" / "reusable-test" / "index.html").is_file()


def test_nav_follows_the_three_kinds_of_readers() -> None:
    # mkdocs.yml uses no custom YAML tags, so the safe loader reads it.
    nav = _load(REPO_ROOT / "mkdocs.yml")["nav"]
    sections = [next(iter(entry)) for entry in nav if isinstance(entry, dict)]
    assert sections[-3:] == ["Data scientists", "Platform team", "Contributors"]


def test_every_workflow_and_action_has_a_page_and_every_page_a_subject() -> None:
    pages = {page for _, page, _ in interfaces()}
    missing = [
        f"{_id(subject)}: write {_id(page)}" for subject, page, _ in interfaces() if not page.is_file()
    ]
    orphans = [
        f"{_id(page)} documents nothing in .github/workflows or actions"
        for page in sorted((DOCS / "workflows").glob("*.md")) + sorted((DOCS / "actions").glob("*.md"))
        if page not in pages
    ]
    assert not missing + orphans, "\n".join(missing + orphans)


@pytest.mark.parametrize(
    ("subject", "page", "declared"), [pytest.param(*i, id=_id(i[0])) for i in interfaces()]
)
def test_the_page_lists_exactly_the_declared_interface(
    subject: Path, page: Path, declared: dict[str, set[str]]
) -> None:
    if not page.is_file():
        pytest.fail(f"{_id(subject)} has no page {_id(page)}")
    listed = documented(page)
    problems = [
        f"{_id(page)}: {kind} `{name}` of {_id(subject)} is not in a `| {kind} | ...` table"
        for kind in KINDS
        for name in sorted(declared[kind] - listed[kind])
    ] + [
        f"{_id(page)}: lists {kind} `{name}`, which {_id(subject)} does not declare"
        for kind in KINDS
        for name in sorted(listed[kind] - declared[kind])
    ]
    assert not problems, "\n".join(problems)


def test_the_table_reader_sees_inputs_secrets_and_outputs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "| input | type | meaning |\n|---|---|---|\n| `a` | string | x |\n| `b` | number | y |\n\n"
        "| secret | required |\n|---|---|\n| `S` | yes |\n\ntext `c` and | `d` |\n\n"
        "| output | meaning |\n|---|---|\n| `o` | z |\n\n| other | x |\n|---|---|\n| `n` | - |\n",
        encoding="utf-8",
    )
    assert documented(page) == {"input": {"a", "b"}, "secret": {"S"}, "output": {"o"}}


ARCHITECTURE = DOCS / "architecture.md"
# Backticked names in the map that are paths in this repository (not commands or identifiers).
PATH_ROOTS = ("src/", "tests/", "hooks/", "scripts/", "actions/", "benchmarks/", "docs/", ".github/", ".ci/")
TOP_LEVEL = (
    "goldenpath.yml",
    "copier.yml",
    "mkdocs.yml",
    "pyproject.toml",
    "uv.lock",
    ".pre-commit-hooks.yaml",
)
# The map writes a generated repo's file as `template/…/<path>`, its package directory as `<package>`.
GENERATED = "template/…/"
TEMPLATE = REPO_ROOT / "template" / "{{cookiecutter.repo_name}}"
CONDITIONAL_NAME = re.compile(r"\{%.*?%\}")
PACKAGE_DIR = "{{ goldenpath(cookiecutter).names.package }}"


def architecture_paths() -> list[str]:
    """Every repository path the architecture map names."""
    names = set(re.findall(r"`([^`\s]+)`", ARCHITECTURE.read_text(encoding="utf-8")))
    return sorted(name for name in names if name.startswith((*PATH_ROOTS, GENERATED)) or name in TOP_LEVEL)


def generated_paths() -> set[str]:
    """The template's files as a generated repo names them (conditional names rendered as their file)."""
    return {
        CONDITIONAL_NAME.sub("", path.relative_to(TEMPLATE).as_posix()).replace(PACKAGE_DIR, "<package>")
        for path in TEMPLATE.rglob("*")
    }


def exists(path: str) -> bool:
    if path == GENERATED:
        return TEMPLATE.is_dir()
    if path.startswith(GENERATED):
        return path.removeprefix(GENERATED).rstrip("/") in generated_paths()
    return any(REPO_ROOT.glob(path.rstrip("/")))


def test_architecture_names_only_paths_that_exist() -> None:
    paths = architecture_paths()
    assert len(paths) > 30, "the map should name the files that hold each behaviour"
    missing = [path for path in paths if not exists(path)]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"
