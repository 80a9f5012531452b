"""An act run that outlives its budget is stopped, and its test fails naming the run and the budget."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from rendering import git

pytestmark = pytest.mark.e2e

SLOW_WORKFLOW = """\
name: slow
on: push
permissions: {}
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 120
"""


def test_a_run_past_its_budget_is_stopped_and_fails_naming_it(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "slow-repo"
    (path / ".github" / "workflows").mkdir(parents=True)
    (path / ".github" / "workflows" / "slow.yml").write_text(SLOW_WORKFLOW, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    repo = GeneratedRepo(path, harness.settings.org)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "A workflow that takes two minutes")

    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        harness.run(repo, "slow.yml", budget=5)
    assert time.monotonic() - started < 60, "the run was not stopped at its budget"
    message = str(failed.value)
    assert re.search(
        r"act run run\d+-slow-push \(slow\.yml on push refs/heads/main\) exceeded its budget of \d+ s",
        message,
    )
    log = Path(re.findall(r"Log: (\S+)", message)[0]).read_text(encoding="utf-8")
    assert re.search(r"harness: act killed after [0-9.]+ s \(budget \d+ s\)\n$", log), log[-500:]
