"""Run a generated repository's GitHub workflows for real, with act, on this machine.

Why: unit tests can only say that a generated `ci.yml` *names* the central
reusable workflows; this harness proves the call chain works - generated
caller -> `<org>/<central repo>/.github/workflows/reusable-*.yml@<release line>`
-> `<org>/<central repo>/actions/*@v<version>` -> the generated repo's own
tests, build and bundle - with GitHub unreachable.

How (findings behind each choice are in docs/testing.md):
- act runs in host mode (`-P ubuntu-latest=-self-hosted`): no Docker engine here.
- The central repository is a snapshot of this working tree (`repos.snapshot_central`),
  mapped with `--local-repository` for the release line and the exact version
  tag; third-party actions are mapped to test doubles (`actions.py`).
- Everything act and the workflows write (HOME, act's workspaces) lives under
  a temporary directory, the environment is rebuilt from a short allow-list,
  and act's network extras are off (version check, cache server). The only
  network use left is the workflows' own pip/poetry installs from PyPI: pip
  reads a pull-through cache of PyPI's index on loopback (`pypi_cache.py`), and
  poetry's download cache is shared by every run of the session.
- Every run has a time budget (`BUDGETS`): a run that exceeds it is stopped and
  fails its test, naming the run and the budget.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from e2e.act_run import ActRun
from e2e.actions import local_repositories
from e2e.repos import GeneratedRepo, snapshot_central
from goldenpath.refs import expected_ref, project_version
from goldenpath.settings import Settings, load_settings
from rendering import BUNDLE_SCHEMA, REPO_ROOT

ACT = Path(sys.executable).parent / "act"

# Seconds one act run of each workflow may take on the 2-core machine while the
# suite runs on its two workers (docs/testing.md: budgets and measured times).
# A run that needs more has become slower than the suite can afford: it is
# stopped and its test fails. `budget=` overrides one run's; on a machine busy
# with other work, GOLDENPATH_E2E_BUDGET_SCALE=2 doubles them all.
BUDGETS: dict[str, float] = {
    "ci.yml": 300,
    "deploy.yml": 150,
    "release.yml": 120,
    "create-repo.yml": 120,
    "template-update.yml": 150,
    "fleet-report.yml": 240,
}
BUDGET_SCALE_ENV = "GOLDENPATH_E2E_BUDGET_SCALE"

# Host variables a run may see: locale, TLS trust and proxies (to reach PyPI),
# pyenv (where the setup-python double finds interpreters). Nothing else leaks in.
PASSED_ENV = re.compile(
    r"LANG|LC_[A-Z]+|TZ|TERM|PYENV_ROOT|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|PIP_CERT"
    r"|NODE_EXTRA_CA_CERTS|(?i:https?_proxy|no_proxy)"
)


def budget_scale() -> float:
    value = os.environ.get(BUDGET_SCALE_ENV, "1")
    try:
        scale = float(value)
    except ValueError:
        scale = 0.0
    if scale <= 0:
        raise ValueError(f"{BUDGET_SCALE_ENV} must be a positive number (e.g. 2), got {value!r}")
    return scale


@dataclass
class Harness:
    """Session-wide state: one central snapshot, one HOME, numbered runs.

    `root` is this worker's; `cache` may be shared by every xdist worker of the
    session: poetry's download cache, the PyPI pages and files behind `index_url`
    (`pypi_cache.py`) and the setup-python double's pristine virtualenvs live
    there, so each is filled once per session, by whichever run needs it first
    (every write to it is atomic).
    """

    root: Path
    cache: Path
    index_url: str
    settings: Settings = field(default_factory=load_settings)
    central: Path = field(init=False)
    home: Path = field(init=False)
    _runs: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.central = snapshot_central(REPO_ROOT, self.root / "central")
        self.home = self.root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)

    @property
    def central_refs(self) -> tuple[str, ...]:
        """The refs generated repos and central files use: the release line and the exact tag."""
        return (self.settings.release_line, expected_ref(project_version(REPO_ROOT)))

    def local_repositories(self, repo: GeneratedRepo, workflow: str | None = None) -> list[str]:
        """`--local-repository` values for a run of `repo` (see `actions.local_repositories`).

        `workflow`: follow only the file act runs (a central checkout's own
        release.yml, whose other workflows pin a version this snapshot is not).
        """
        workflows = repo.path / ".github" / "workflows"
        callers = [workflows / workflow] if workflow else sorted(workflows.glob("*.y*ml"))
        return local_repositories(callers, self.central, self.settings.central_slug, self.central_refs)

    def environment(self, run_dir: Path) -> dict[str, str]:
        """The act process environment; host mode hands it to every step."""
        # Not this repository's .venv/bin (scripts/test puts it first): the workflows
        # must install their own poetry, goldenpath and ruff, as on a runner.
        path = [
            entry
            for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and not Path(entry).is_relative_to(sys.prefix)
        ]
        env = {name: value for name, value in os.environ.items() if PASSED_ENV.fullmatch(name)}
        env.update(
            PATH=os.pathsep.join(path),
            HOME=str(self.home),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            # PyPI through the session's cache, and poetry's download cache, shared by every run.
            PIP_INDEX_URL=self.index_url,
            POETRY_CACHE_DIR=str(self.cache / "pypoetry"),
            # pip byte-compiles every file it installs (half of installing goldenpath's
            # dependencies); Python compiles what a step imports anyway, and nothing a run
            # proves depends on .pyc files. (PIP_COMPILE=0: pip reads PIP_NO_COMPILE=1 as "compile".)
            PIP_COMPILE="0",
            # The machine's pip.conf (extra indexes, find-links) is not the runner's.
            PIP_CONFIG_FILE=os.devnull,
            ACT_DISABLE_VERSION_CHECK="1",
            GOLDENPATH_E2E_PYTHONS=str(self.cache / "setup-python"),
            GOLDENPATH_E2E_ARTIFACTS=str(run_dir / "artifacts"),
            GOLDENPATH_E2E_DATABRICKS_LOG=str(run_dir / "databricks.jsonl"),
            GOLDENPATH_E2E_BUNDLE_SCHEMA=str(BUNDLE_SCHEMA),
            GOLDENPATH_E2E_PYTHON=sys.executable,
        )
        return env

    def event(
        self,
        repo: GeneratedRepo,
        event: str,
        ref: str,
        run_dir: Path,
        inputs: Mapping[str, Any] | None = None,
    ) -> Path:
        """A minimal payload: a push of HEAD to `ref`, a pull request from a feature branch into
        main, or a workflow_dispatch on `ref` with `inputs` (the form a person filled in)."""
        sha = repo.head()
        repository = {
            "full_name": f"{self.settings.org}/{repo.name}",
            "name": repo.name,
            "owner": {"login": self.settings.org},
            "default_branch": "main",
        }
        payload: dict[str, Any]
        if event == "push":
            payload = {"ref": ref, "before": "0" * 40, "after": sha, "repository": repository}
        elif event == "pull_request":
            payload = {
                "action": "opened",
                "number": 1,
                "pull_request": {
                    "number": 1,
                    "head": {"ref": "feature/e2e", "sha": sha},
                    "base": {"ref": "main"},
                },
                "repository": repository,
            }
        elif event == "workflow_dispatch":
            payload = {"ref": ref, "inputs": dict(inputs or {}), "repository": repository}
        else:
            raise ValueError(f"no event payload for {event!r}")
        path = run_dir / "event.json"
        path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        return path

    def command(
        self,
        repo: GeneratedRepo,
        workflow: str,
        event: str,
        ref: str,
        run_dir: Path,
        secrets: Mapping[str, str],
        *,
        variables: Mapping[str, str] | None = None,
        inputs: Mapping[str, Any] | None = None,
        github_env: Mapping[str, str] | None = None,
    ) -> list[str]:
        empty = run_dir / "empty"
        empty.touch()
        command = [
            str(ACT),
            event,
            "--eventpath",
            str(self.event(repo, event, ref, run_dir, inputs)),
            "--workflows",
            f".github/workflows/{workflow}",
            "--platform",
            "ubuntu-latest=-self-hosted",
            "--defaultbranch",
            "main",
            # Where act keeps its per-job workspaces and copies of actions.
            "--action-cache-path",
            str(run_dir / "act"),
            "--action-offline-mode",
            # The cache server needs a routable address and nothing here uses it
            # (actions/cache is a double); no --artifact-server-path: same reason.
            "--no-cache-server",
            # act 0.2.89 can crash (concurrent map writes) with parallel jobs of a
            # reusable workflow; 2 cores gain little from parallel jobs anyway.
            "--concurrent-jobs",
            "1",
            # Never read .env/.secrets/.vars/.input from the repository under test.
            "--env-file",
            str(empty),
            "--secret-file",
            str(empty),
            "--var-file",
            str(empty),
            "--input-file",
            str(empty),
        ]
        for mapping in self.local_repositories(repo, workflow):
            command += ["--local-repository", mapping]
        for name, value in secrets.items():
            command += ["--secret", f"{name}={value}"]
        for name, value in (variables or {}).items():
            command += ["--var", f"{name}={value}"]
        for name, value in (github_env or {}).items():
            command += ["--env", f"{name}={value}"]
        return command

    def run(
        self,
        repo: GeneratedRepo,
        workflow: str,
        event: str = "push",
        ref: str = "refs/heads/main",
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        budget: float | None = None,
        variables: Mapping[str, str] | None = None,
        inputs: Mapping[str, Any] | None = None,
        github_env: Mapping[str, str] | None = None,
    ) -> ActRun:
        """Run one workflow file of `repo` for `event`; a failing run is returned, not raised.

        `ref`: where the push went. `env`: extra variables every step sees (host mode).
        `budget`: seconds this run may take (default `BUDGETS[workflow]`); past it
        the run is stopped and the calling test fails.
        `variables`: the `vars` context. `inputs`: a workflow_dispatch form.
        `github_env`: variables act itself sets (`GITHUB_SERVER_URL`, `GITHUB_API_URL`),
        overridden with `--env`.
        """
        self._runs += 1
        run_dir = self.root / f"run{self._runs:02d}-{Path(workflow).stem}-{event}"
        (run_dir / "artifacts").mkdir(parents=True)
        limit = (BUDGETS[workflow] if budget is None else budget) * budget_scale()
        command = self.command(
            repo,
            workflow,
            event,
            ref,
            run_dir,
            secrets or {},
            variables=variables,
            inputs=inputs,
            github_env=github_env,
        )
        secret_args = {f"{name}={value}" for name, value in (secrets or {}).items()}
        log_path = run_dir / "act.log"
        start = time.monotonic()
        shown = [re.sub(r"^([^=]+)=.*", r"\1=***", arg) if arg in secret_args else arg for arg in command]
        with log_path.open("w", encoding="utf-8") as log:
            log.write("$ " + " ".join(shown) + "\n")
            log.flush()
            # Own process group, so stopping the run also ends the steps act started.
            process = subprocess.Popen(
                command,
                cwd=repo.path,
                env={**self.environment(run_dir), **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=limit)
                over_budget = False
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                returncode = process.wait()
                over_budget = True
            seconds = time.monotonic() - start
            ended = "killed" if over_budget else f"exited {returncode}"
            log.write(f"\nharness: act {ended} after {seconds:.1f} s (budget {limit:.0f} s)\n")
        run = ActRun(
            name=run_dir.name,
            command=command,
            returncode=returncode,
            log=log_path.read_text(encoding="utf-8", errors="replace"),
            artifacts=run_dir / "artifacts",
            databricks_log=run_dir / "databricks.jsonl",
            seconds=seconds,
        )
        if over_budget:
            pytest.fail(
                f"act run {run.name} ({workflow} on {event} {ref}) exceeded its budget of {limit:.0f} s "
                f"and was stopped. Make the run cheaper or raise its budget in tests/e2e/harness.py "
                f"(BUDGETS, docs/testing.md); on a machine busy with other work, set {BUDGET_SCALE_ENV}=2. "
                f"Log: {log_path}\n{run.tail(40)}",
                pytrace=False,
            )
        return run
