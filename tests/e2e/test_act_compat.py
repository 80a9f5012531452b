"""Old repositories keep working on new central workflows.

Generated repositories call the central workflows at the release line (`v1`),
so every release reaches repositories rendered from every earlier release on
that line, before any template update. This renders the template as it was at
the previous release and runs that repository's `ci.yml` with act against the
central workflows and actions of this working tree.

The previous release is `GOLDENPATH_COMPAT_REF` when set (any git ref of this
repository; CI sets it per supported release line), else the newest `vX.Y.Z`
tag below this version, else the tree that landed as 1.0.0 (`LANDED_1_0_0`):
repositories have been rendered from it, though no tag was pushed yet.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from goldenpath.refs import ReleaseTag, project_version, releases
from rendering import REPO_ROOT

pytestmark = pytest.mark.e2e

COMPAT_REF_ENV = "GOLDENPATH_COMPAT_REF"
# The commit that landed as version 1.0.0 (template, workflows and actions of the first release).
LANDED_1_0_0 = "6b9d0a600210d5d982f703f936e872ec238f22e6"


def previous_release_ref() -> str:
    """The ref to render old repositories from (see the module docstring)."""
    if os.environ.get(COMPAT_REF_ENV):
        return os.environ[COMPAT_REF_ENV]
    current = ReleaseTag.parse_or_none("v" + project_version(REPO_ROOT))
    listed = subprocess.run(
        ["git", "tag", "--list", "v*.*.*"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    older = [release for release in releases(listed) if current is None or release < current]
    on_line = [release for release in older if current is None or release.major == current.major]
    return on_line[-1].name if on_line else LANDED_1_0_0


def test_the_previous_releases_repo_passes_ci_on_the_current_central_workflows(
    harness: Harness, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ref = previous_release_ref()
    repo = GeneratedRepo.create(tmp_path_factory.mktemp("compat"), harness.settings, ref=ref)
    run = harness.run(repo, "ci.yml", "push")
    assert run.returncode == 0, (
        f"a repo rendered at {ref} fails ci.yml on the current central workflows\n{run.tail()}"
    )
    assert run.jobs and set(run.jobs.values()) == {"succeeded"}, run.jobs
