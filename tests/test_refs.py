"""`goldenpath pin-refs`: the central workflows reference their actions at exactly `v<pyproject version>`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from goldenpath.refs import (
    ReleaseTag,
    check_refs,
    expected_ref,
    project_version,
    ref_files,
    releases,
    tag_problems,
    uses_refs,
)
from goldenpath.settings import load_settings
from rendering import REPO_ROOT
from workflow_lint import run_zizmor

GOLDENPATH = str(Path(sys.executable).parent / "goldenpath")
SETTINGS = load_settings(REPO_ROOT / "goldenpath.yml")
SELF = SETTINGS.central_slug
TAG = expected_ref(project_version(REPO_ROOT))


def pin_refs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GOLDENPATH, "pin-refs", "--root", str(root), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The files pin-refs reads and writes, copied out of this checkout."""
    root = tmp_path / "central"
    root.mkdir()
    for name in ("pyproject.toml", "goldenpath.yml"):
        shutil.copy(REPO_ROOT / name, root / name)
    for name in (".github", "actions"):
        shutil.copytree(REPO_ROOT / name, root / name)
    return root


def self_refs(root: Path, slug: str = SELF) -> list[str]:
    return [u.target for u in uses_refs(ref_files(root)) if u.slug == slug]


def test_the_shipped_tree_is_coherent() -> None:
    assert check_refs(REPO_ROOT, SETTINGS) == []
    result = pin_refs(REPO_ROOT, "--check")
    assert result.returncode == 0, result.stderr
    assert f"self-references pinned to {SELF}@{TAG}" in result.stdout
    refs = self_refs(REPO_ROOT)
    assert len(refs) >= 8, (
        "every reusable workflow and check-naming reach the actions through self-references"
    )
    assert all(ref.endswith(f"@{TAG}") for ref in refs)


@pytest.mark.parametrize("wrong", ["v1", "main", "0123456789abcdef0123456789abcdef01234567", "v0.9.0"])
def test_a_wrong_ref_fails_with_file_and_line(tree: Path, wrong: str) -> None:
    workflow = tree / ".github" / "workflows" / "reusable-deploy.yml"
    lines = workflow.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, start=1) if f"/actions/bundle-deploy@{TAG}" in text)
    lines[line - 1] = lines[line - 1].replace(f"@{TAG}", f"@{wrong}")
    workflow.write_text("".join(lines))

    result = pin_refs(tree, "--check")
    assert result.returncode == 1
    assert (
        f".github/workflows/reusable-deploy.yml:{line}: {SELF}/actions/bundle-deploy@{wrong}" in result.stderr
    )
    assert f"must be pinned to {TAG}" in result.stderr
    assert result.stderr.count("must be pinned") == 1, "only the changed reference is reported"

    fixed = pin_refs(tree)
    assert fixed.returncode == 0, fixed.stderr
    assert f"reusable-deploy.yml:{line}: {SELF}/actions/bundle-deploy@{wrong} -> " in fixed.stdout
    assert pin_refs(tree, "--check").returncode == 0


def test_a_changed_org_rewrites_every_ref_and_the_zizmor_policy(tree: Path) -> None:
    before = self_refs(tree)
    settings = tree / "goldenpath.yml"
    old_org = SELF.split("/")[0]
    settings.write_text(settings.read_text().replace(f"org: {old_org}", "org: globex-foods"))
    new_slug = f"globex-foods/{SELF.split('/')[1]}"

    check = pin_refs(tree, "--check")
    assert check.returncode == 1
    assert check.stderr.count(f"but goldenpath.yml says {new_slug}") == len(before)
    assert f".github/zizmor.yml:{_policy_line(tree)}: ref-pin policy is for {SELF}/*" in check.stderr

    result = pin_refs(tree)
    assert result.returncode == 0, result.stderr
    assert self_refs(tree, new_slug) == [ref.replace(SELF, new_slug) for ref in before]
    for path in [*ref_files(tree), tree / ".github" / "zizmor.yml"]:
        assert old_org not in path.read_text(), f"{path} still names {old_org}"
    assert pin_refs(tree, "--check").returncode == 0
    # The rewritten policy still lets zizmor accept exactly the rewritten references.
    assert run_zizmor(ref_files(tree), config=tree / ".github" / "zizmor.yml") == []


def test_another_orgs_refs_are_left_alone(tree: Path) -> None:
    workflow = tree / ".github" / "workflows" / "reusable-build.yml"
    foreign = f"      - uses: other-org/{SELF.split('/')[1]}/actions/x@v9 # not ours\n"
    workflow.write_text(workflow.read_text() + foreign)
    assert pin_refs(tree, "--check").returncode == 0, "a foreign reference is not a self-reference"

    settings = tree / "goldenpath.yml"
    settings.write_text(settings.read_text().replace(f"org: {SELF.split('/')[0]}", "org: globex-foods"))
    assert pin_refs(tree).returncode == 0
    assert workflow.read_text().endswith(foreign)


def test_a_version_bump_moves_every_ref_and_keeps_quotes_and_comments(tree: Path) -> None:
    pyproject = tree / "pyproject.toml"
    version = TAG[1:]
    pyproject.write_text(pyproject.read_text().replace(f'version = "{version}"', 'version = "1.7.3"', 1))
    action = tree / "actions" / "check-naming" / "action.yml"
    action.write_text(
        action.read_text()
        .replace("      uses: ", '      uses: "', 1)
        .replace(f"@{TAG}", f'@{TAG}" # keep', 1)
    )

    check = pin_refs(tree, "--check")
    assert check.returncode == 1
    assert check.stderr.count("must be pinned to v1.7.3") == len(self_refs(REPO_ROOT))

    assert pin_refs(tree).returncode == 0
    assert all(ref.endswith("@v1.7.3") for ref in self_refs(tree))
    assert f'uses: "{SELF}/actions/install-goldenpath@v1.7.3" # keep' in action.read_text()


def test_a_major_version_needs_its_release_line(tree: Path) -> None:
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'version = "{TAG[1:]}"', 'version = "2.0.0"', 1))
    result = pin_refs(tree)
    assert result.returncode == 1
    line = next(
        i
        for i, text in enumerate((tree / "goldenpath.yml").read_text().splitlines(), start=1)
        if "release_line:" in text
    )
    assert f"goldenpath.yml:{line}: central.release_line is {SETTINGS.release_line}" in result.stderr
    assert "belongs to release line v2" in result.stderr


def test_usage_and_settings_errors_exit_2(tree: Path, tmp_path: Path) -> None:
    assert (
        pin_refs(tmp_path / "nowhere", "--check", "--settings", str(tree / "goldenpath.yml")).returncode == 2
    )
    (tree / "goldenpath.yml").write_text("github: {}\n")
    result = pin_refs(tree, "--check")
    assert result.returncode == 2
    assert "goldenpath.yml: units is missing" in result.stderr


def _policy_line(root: Path) -> int:
    text = (root / ".github" / "zizmor.yml").read_text().splitlines()
    return next(i for i, line in enumerate(text, start=1) if re.search(r"/\*\"?\s*:\s*ref-pin", line))


def test_release_tags_parse_order_and_name_their_line() -> None:
    assert ReleaseTag.parse("v1.10.0") == ReleaseTag(1, 10, 0)
    assert ReleaseTag.parse("v1.3.0-rc.1") == ReleaseTag(1, 3, 0, "rc.1")
    for not_a_release in ("v1", "1.2.3", "v1.2", "v01.2.3", "v1.2.3+build.5", "v1.2.3-", "nightly", ""):
        assert ReleaseTag.parse_or_none(not_a_release) is None, not_a_release
    assert ReleaseTag.parse_or_none(" v1.2.3\n") == ReleaseTag(1, 2, 3)
    assert ReleaseTag(1, 3, 0, "rc.1") < ReleaseTag(1, 3, 0) < ReleaseTag(1, 10, 0)
    assert max([ReleaseTag(1, 3, 0, "rc.2"), ReleaseTag(1, 3, 0, "rc.10")]).name == "v1.3.0-rc.10"
    assert ReleaseTag(2, 0, 0).major_tag == "v2" and str(ReleaseTag(1, 2, 3, "beta")) == "v1.2.3-beta"


def test_a_pre_release_tag_parses(tmp_path: Path) -> None:
    """Regression: a second, final-only tag pattern once shadowed the semver one in this module."""
    tag = ReleaseTag.parse("v1.3.0-rc.1")
    assert (tag.version, tag.major_tag, tag.is_prerelease) == ("1.3.0-rc.1", "v1", True)
    assert ReleaseTag.parse_or_none("v2.0.0-beta.2") == ReleaseTag(2, 0, 0, "beta.2")
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.3.0-rc.1"\n', encoding="utf-8")
    assert tag_problems(tmp_path, "v1.3.0-rc.1") == []


def test_a_recorded_template_ref_names_the_final_release_it_descends_from() -> None:
    assert ReleaseTag.of_commit("v1.4.0") == ReleaseTag(1, 4, 0)
    assert ReleaseTag.of_commit("v1.4.0-3-gabc1234") == ReleaseTag(1, 4, 0)
    for unknown in ("abc1234", "v1", "v1.4.0-rc.1", "v1.4.0-rc.1-3-gabc1234", "main"):
        assert ReleaseTag.of_commit(unknown) is None, unknown


def test_releases_are_the_final_tags_oldest_first() -> None:
    ordered = releases(
        ["v1.10.0", "v1", "v1.2.0", "v2.0.0", "v1.2.0", "v2.1.0-rc.1", "v1.2.0-3-gabc1234", "main"]
    )
    assert [release.name for release in ordered] == ["v1.2.0", "v1.10.0", "v2.0.0"]
