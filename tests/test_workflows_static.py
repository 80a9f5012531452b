"""Static security and interface checks of the central workflows and composite actions.

zizmor (offline), actionlint and the GitHub JSON schemas run on every file, and
the house rules are asserted per file, so a failure names the file.
test_workflow_interfaces.py pins the names generated repos' callers depend on.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from goldenpath.settings import load_settings
from rendering import REPO_ROOT
from workflow_lint import (
    lint_workflows,
    load_yaml,
    run_zizmor,
    structure_problems,
    tool,
    zizmor_policy,
)

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((REPO_ROOT / "actions").glob("*/action.yml"))
ZIZMOR_CONFIG = REPO_ROOT / ".github" / "zizmor.yml"
SELF = load_settings(REPO_ROOT / "goldenpath.yml").central_slug

# Every third-party pin, checked by hand against public sources (see
# docs/releasing.md, "Third-party pins"). A new or bumped pin must be
# verified the same way and added here; this catches a mistyped SHA or a
# version comment that no longer matches the SHA.
VERIFIED_PINS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/cache": ("5a3ec84eff668545956fd18022155c47e93e2684", "v4.2.3"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "databricks/setup-cli": ("00ff5d37c6e8ced36cd08274135a62202c913243", "v0.294.1"),
    "actions/create-github-app-token": ("fee1f7d63c2ff003460e3d139729b119787bc349", "v2.2.2"),
    "actions/upload-pages-artifact": ("56afc609e74202658d3ffba0e8f6dda462b719fa", "v3.0.1"),
    "actions/deploy-pages": ("d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e", "v4.0.5"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
}


def _id(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def test_the_expected_files_exist() -> None:
    assert {p.name for p in WORKFLOWS} == {
        "ci.yml",
        "create-repo.yml",
        "release.yml",
        "fleet-report.yml",
        "reusable-test.yml",
        "reusable-build.yml",
        "reusable-deploy.yml",
        "reusable-deploy-oidc.yml",
        "reusable-template-update.yml",
    }
    assert {p.parent.name for p in ACTIONS} == {
        "setup-python-poetry",
        "install-goldenpath",
        "check-naming",
        "bundle-deploy",
    }


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=_id)
def test_zizmor_offline_reports_nothing(path: Path) -> None:
    problems = run_zizmor([path], config=ZIZMOR_CONFIG)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=_id)
def test_actionlint_and_github_schemas(path: Path) -> None:
    problems = lint_workflows([path], zizmor_config=ZIZMOR_CONFIG)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=_id)
def test_house_rules(path: Path) -> None:
    problems = structure_problems(path, ref_pinned=[SELF])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=_id)
def test_third_party_pins_are_the_verified_ones(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(
            r"^\s*(?:-\s+)?uses:\s*(?P<repo>[\w.-]+/[\w.-]+)[^@\s]*@(?P<ref>\S+)(?P<rest>.*)$", line
        )
        if not match or match["repo"] == SELF:
            continue
        assert match["repo"] in VERIFIED_PINS, f"{_id(path)}:{number}: {match['repo']} is not a verified pin"
        sha, version = VERIFIED_PINS[match["repo"]]
        assert match["ref"] == sha, (
            f"{_id(path)}:{number}: {match['repo']} pinned to {match['ref']}, verified {sha}"
        )
        assert match["rest"].strip() == f"# {version}", f"{_id(path)}:{number}: comment must be '# {version}'"


@pytest.mark.parametrize("path", ACTIONS, ids=_id)
def test_action_scripts_pass_shellcheck(path: Path) -> None:
    """actionlint shellchecks workflows only; the composite actions' scripts get the same check here."""
    shellcheck = tool("shellcheck")
    for step in load_yaml(path)["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step.get("shell") == "bash", f"{_id(path)}: step {step.get('name')!r} must say shell: bash"
        script = "#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"]
        result = subprocess.run(
            [str(shellcheck), "-"], input=script, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{_id(path)}: step {step.get('name')!r}\n{result.stdout}"


def test_zizmor_policy_allows_ref_pins_for_this_repo_only(tmp_path: Path) -> None:
    """The shipped config must not relax anything but this repository's own references."""
    config = yaml.safe_load(ZIZMOR_CONFIG.read_text(encoding="utf-8"))
    assert config == {
        "rules": {"unpinned-uses": {"config": {"policies": {f"{SELF}/*": "ref-pin", "*": "hash-pin"}}}}
    }
    workflow = tmp_path / "probe.yml"
    org = SELF.split("/")[0]
    cases = {
        f"{SELF}/actions/check-naming@v1.0.0": False,
        f"{org}/another-repo/actions/x@v1": True,
        f"other-org/{SELF.split('/')[1]}/actions/x@v1": True,
        "actions/checkout@v4": True,
    }
    for uses, flagged in cases.items():
        workflow.write_text(
            "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {}\n"
            f"    steps:\n      - uses: {uses}\n        with:\n          persist-credentials: false\n"
        )
        findings = [p for p in run_zizmor([workflow], config=ZIZMOR_CONFIG) if "unpinned-uses" in p]
        assert bool(findings) == flagged, f"{uses}: {findings}"


def test_lint_helper_reports_what_is_wrong(tmp_path: Path) -> None:
    """The helper the generated-repo tests reuse: it must fail loudly, not pass silently."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    bad = workflows / "bad.yml"
    bad.write_text(
        "on: issues\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    secrets: inherit\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.issue.title }}"\n'
    )
    problems = lint_workflows([workflows])
    text = "\n".join(problems)
    assert "template-injection" in text
    assert "unpinned-uses" in text
    assert "actionlint" in text  # `secrets:` is not valid on a job with steps
    rules = "\n".join(structure_problems(bad))
    for fragment in (
        "top-level permissions",
        "no explicit permissions",
        "secrets: inherit",
        "full 40-hex commit SHA",
        "expression inside run:",
        "persist-credentials: false",
    ):
        assert fragment in rules


def test_generated_style_callers_can_be_linted(tmp_path: Path) -> None:
    """A caller at `@v1` of the central repo passes when that slug is declared ref-pinned."""
    caller = tmp_path / "ci.yml"
    caller.write_text(
        "on: push\npermissions: {}\njobs:\n  test:\n    permissions: {contents: read}\n"
        f"    uses: {SELF}/.github/workflows/reusable-test.yml@v1\n"
        '    with: {python-version: "3.11", coverage-threshold: 80}\n'
    )
    assert lint_workflows([caller], ref_pinned=[SELF]) == []
    assert any("unpinned-uses" in p for p in lint_workflows([caller]))
    assert structure_problems(caller, ref_pinned=[SELF]) == []
    assert f'"{SELF}/*": ref-pin\n' in zizmor_policy([SELF])
