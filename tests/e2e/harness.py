"""Run a generated repository's GitHub workflows for real, with act, on this machine.

Why: unit tests can only say that a generated `ci.yml` *names* the central
reusable workflows; this harness proves the call chain works - generated
caller -> `<org>/<central repo>/.github/workflows/reusable-*.yml@<release line>`
-> `<org>/<central repo>/actions/*@v<version>` -> the generated repo's own
tests, build and bundle - with GitHub unreachable.

How (findings behind each choice are in docs/testing.md):
- act runs in host mode (`-P ubuntu-latest=-self-hosted`): no Docker engine here.
- The central repository is a snapshot of this working tree (tracked and
  untracked files, `.gitignore`d ones left out), mapped with
  `--local-repository` for the release line and the exact version tag. act copies
  a mapped directory whole, ignored files included, for every action it runs, so
  mapping the working tree itself would copy `.venv/` again and again.
- Third-party actions are pinned by SHA in the shipped files and cannot be
  fetched. Each is mapped to a test double in tests/e2e/doubles/, at the SHA read
  from the shipped files at run time. actions/checkout needs none: act skips it
  for the repository under test, whose workspace is already a copy of it.
- Everything act and the workflows write (HOME, caches, act's workspaces) lives
  under a temporary directory, the environment is rebuilt from a short allow-list,
  and act's network extras are off (version check, cache server). The only
  network use left is the workflows' own pip/poetry installs from PyPI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goldenpath.refs import expected_ref, project_version
from goldenpath.settings import Settings, load_settings
from rendering import REPO_ROOT, git, render

E2E_DIR = Path(__file__).resolve().parent
DOUBLES_DIR = E2E_DIR / "doubles"
BUNDLE_SCHEMA = REPO_ROOT.parent / "shared" / "schemas" / "databricks-bundle.schema.json"
ACT = Path(sys.executable).parent / "act"
DEFAULT_TIMEOUT = float(os.environ.get("GOLDENPATH_E2E_TIMEOUT", "1500"))

# Third-party action -> its test double under DOUBLES_DIR (None: act handles it).
DOUBLES: dict[str, str | None] = {
    # act skips actions/checkout of the repository under test (no `repository:`
    # or `ref:` input) because it already copied the repository into the workspace.
    "actions/checkout": None,
    "actions/setup-python": "setup-python",
    "actions/cache": "cache",
    "actions/upload-artifact": "upload-artifact",
    "databricks/setup-cli": "setup-cli",
    "actions/create-github-app-token": "create-github-app-token",
    "actions/download-artifact": "download-artifact",
    "actions/upload-pages-artifact": "upload-pages-artifact",
    "actions/deploy-pages": "deploy-pages",
}
# Host variables a run may see: locale, TLS trust and proxies (to reach PyPI),
# pyenv (where the setup-python double finds interpreters). Nothing else leaks in.
PASSED_ENV = re.compile(
    r"LANG|LC_[A-Z]+|TZ|TERM|PYENV_ROOT|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|PIP_CERT"
    r"|NODE_EXTRA_CA_CERTS|(?i:https?_proxy|no_proxy)"
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# A step's duration may read "[7.7s]" or "[1m20.8s]".
STEP_END = re.compile(
    r"^\[(?P<job>[^\]]+?)\s*\]\s+\S+\s+(?P<status>Success|Failure) - Main (?P<step>.+?)(?: \[[0-9][0-9.a-zµ]*\])?$",
    re.MULTILINE,
)
LOCAL_READ = re.compile(
    r"LocalRepositoryCache read cachedir (?P<repo>[^@\s]+)\S* with ref (?P<ref>\S+) and subpath '(?P<path>[^']*)'"
)
# act pads job labels with spaces to a common width; the captured label is unpadded.
JOB_END = re.compile(r"^\[(?P<job>[^\]]+?)\s*\] \S+\s+Job (?P<status>succeeded|failed)\s*$", re.MULTILINE)


@dataclass(frozen=True, order=True)
class ActionRef:
    """One `uses: owner/repo[/path]@ref` found in a workflow or action file."""

    repo: str
    path: str
    ref: str

    @classmethod
    def parse(cls, uses: str) -> ActionRef | None:
        """None for local (`./...`) and docker (`docker://...`) references."""
        if uses.startswith(("./", "docker://")) or "@" not in uses:
            return None
        name, ref = uses.rsplit("@", 1)
        owner, repo, *path = name.split("/")
        return cls(f"{owner}/{repo}", "/".join(path), ref)


def _uses_values(node: Any) -> Iterator[str]:
    """Every `uses:` value in a parsed workflow or action.yml, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                yield value
            else:
                yield from _uses_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uses_values(item)


def action_refs(*files: Path) -> set[ActionRef]:
    """Remote references in the given YAML files (parsed, so comments never count)."""
    refs = set()
    for path in files:
        for uses in _uses_values(yaml.safe_load(path.read_text(encoding="utf-8"))):
            ref = ActionRef.parse(uses)
            if ref is not None:
                refs.add(ref)
    return refs


def reachable_refs(callers: list[Path], central: Path, central_slug: str) -> set[ActionRef]:
    """Remote references a run can meet: the callers' own, then those of every central file they reach.

    Central files nobody calls (the central repo's own CI, its release workflow)
    are not followed, so their third-party actions need no double.
    """
    refs: set[ActionRef] = set()
    todo, seen = list(callers), set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for ref in action_refs(path):
            refs.add(ref)
            if ref.repo == central_slug:
                target = central / ref.path
                todo += (
                    [target]
                    if target.suffix in (".yml", ".yaml")
                    else [target / "action.yml", target / "action.yaml"]
                )
    return refs


def snapshot_central(source: Path, dst: Path) -> Path:
    """Copy the files git would see in `source` (tracked + untracked, not ignored) to `dst`.

    The working tree, not HEAD, so the tests check what is being written now.
    """
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in sorted(set(filter(None, listed.split("\0")))):
        src = source / relative
        if src.is_file():  # deleted-but-tracked files are listed too
            target = dst / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dst


@dataclass(frozen=True)
class ActRun:
    """What one act invocation left behind."""

    command: list[str]
    returncode: int
    log: str
    artifacts: Path
    databricks_log: Path
    seconds: float

    @property
    def text(self) -> str:
        """The log without colour codes (poetry and pytest colour their output under act)."""
        return ANSI_ESCAPE.sub("", self.log)

    @property
    def jobs(self) -> dict[str, str]:
        """Job label as act prints it (`caller-job/workflow name/job name`) -> succeeded|failed."""
        # act pads the labels of a workflow's jobs to the longest one's length.
        return {match["job"].rstrip(): match["status"] for match in JOB_END.finditer(self.text)}

    def steps(self, job: str) -> dict[str, str]:
        """Step name -> Success|Failure for one job (top-level and composite steps alike)."""
        return {m["step"]: m["status"] for m in STEP_END.finditer(self.text) if m["job"].rstrip() == job}

    def resolved(self, repo: str) -> set[tuple[str, str]]:
        """(ref, file) pairs act read from the local directory mapped for `repo`."""
        return {
            (m["ref"], m["path"]) for m in LOCAL_READ.finditer(self.text) if m["repo"] == repo and m["path"]
        }

    def databricks_calls(self) -> list[dict[str, Any]]:
        """The fake databricks CLI's record: one dict (argv, cwd, auth) per call."""
        if not self.databricks_log.is_file():
            return []
        lines = self.databricks_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def tail(self, lines: int = 120) -> str:
        """The end of the log, for assertion messages."""
        return "\n".join(self.text.splitlines()[-lines:])


@dataclass
class GeneratedRepo:
    """A rendered repository, committed on `main`, with a local bare `origin`.

    The bare remote lives under `.../github.com/<org>/<name>.git`: act derives
    `github.repository` from the origin URL and only recognises the part after
    `github.com/` (docs/testing.md), so the run sees `<org>/<name>` like on GitHub.
    """

    path: Path
    org: str

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def create(
        cls,
        base: Path,
        settings: Settings,
        answers: Mapping[str, Any] | None = None,
        template: Path = REPO_ROOT,
        ref: str = "HEAD",
    ) -> GeneratedRepo:
        """Render with copier (from `ref` of `template`), commit and push: the state right after
        `copier copy` and a first push."""
        path = render(base, dict(answers or {}), template, ref)
        git(path, "init", "-q", "-b", "main")
        repo = cls(path, settings.org)
        repo._add_origin(base)
        repo.commit("Generated by goldenpath")
        return repo

    @classmethod
    def central_checkout(cls, base: Path, central: Path, settings: Settings) -> GeneratedRepo:
        """A committed copy of the central snapshot, to run this repository's own workflows."""
        path = shutil.copytree(central, base / settings.central_repo)
        git(path, "init", "-q", "-b", "main")
        repo = cls(path, settings.org)
        repo._add_origin(base)
        repo.commit("goldenpath under test")
        return repo

    def fork(self, base: Path) -> GeneratedRepo:
        """An independent clone with its own origin, for a test that changes files."""
        path = base / self.name
        git(base, "clone", "-q", str(self.path), str(path))
        git(path, "remote", "remove", "origin")
        repo = GeneratedRepo(path, self.org)
        repo._add_origin(base)
        git(path, "push", "-q", "origin", "HEAD:main")
        return repo

    def _add_origin(self, base: Path) -> None:
        remote = base / "remotes" / "github.com" / self.org / f"{self.name}.git"
        remote.parent.mkdir(parents=True, exist_ok=True)
        git(base, "init", "-q", "--bare", "-b", "main", str(remote))
        git(self.path, "remote", "add", "origin", str(remote))

    def commit(self, message: str) -> str:
        """Commit everything and push to origin; returns the new HEAD sha."""
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        git(self.path, "push", "-q", "origin", "HEAD:main")
        return self.head()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def point_at_workspace(self, settings: Settings, url: str) -> None:
        """Every settings workspace host in the bundle and the deploy workflow becomes `url` (a fake workspace).

        What a platform team whose settings named that host would have rendered;
        the settings themselves only accept https hosts, the fake serves http.
        """
        for relative in ("databricks.yml", ".github/workflows/deploy.yml"):
            path = self.path / relative
            text = path.read_text(encoding="utf-8")
            for environment in settings.environments.values():
                text = text.replace(environment.host, url)
            path.write_text(text, encoding="utf-8")
        self.commit("Point the workspace hosts at the fake workspace")


@dataclass
class Harness:
    """Session-wide state: one central snapshot, one HOME (shared pip/poetry caches), numbered runs."""

    root: Path
    settings: Settings = field(default_factory=load_settings)
    central: Path = field(init=False)
    home: Path = field(init=False)
    _runs: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.central = snapshot_central(REPO_ROOT, self.root / "central")
        self.home = self.root / "home"
        self.home.mkdir(parents=True, exist_ok=True)

    @property
    def central_refs(self) -> tuple[str, ...]:
        """The refs generated repos and central files use: the release line and the exact tag."""
        return (self.settings.release_line, expected_ref(project_version(REPO_ROOT)))

    def local_repositories(self, repo: GeneratedRepo, workflow: str | None = None) -> list[str]:
        """`--local-repository` values: the central repo at its refs, every pinned third party at its double.

        Refs are read from the shipped files on every run, so a SHA bump needs no
        harness change; an action without a double is an error here, rather than
        act trying (and failing) to reach github.com in the middle of a run.
        `workflow`: follow only the file act runs (a central checkout's own
        release.yml, whose other workflows pin a version this snapshot is not).
        """
        workflows = repo.path / ".github" / "workflows"
        callers = [workflows / workflow] if workflow else sorted(workflows.glob("*.y*ml"))
        refs = reachable_refs(callers, self.central, self.settings.central_slug)
        mappings = {f"{self.settings.central_slug}@{ref}={self.central}" for ref in self.central_refs}
        unknown = []
        for ref in sorted(refs):
            if ref.repo == self.settings.central_slug:
                if ref.ref not in self.central_refs:
                    unknown.append(f"{ref.repo}@{ref.ref} (central, expected one of {self.central_refs})")
            elif ref.repo not in DOUBLES:
                unknown.append(f"{ref.repo}@{ref.ref} (no test double in {DOUBLES_DIR})")
            elif (double := DOUBLES[ref.repo]) is not None:
                mappings.add(f"{ref.repo}@{ref.ref}={DOUBLES_DIR / double}")
        if unknown:
            raise RuntimeError("act cannot resolve offline: " + "; ".join(unknown))
        return sorted(mappings)

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
            # The machine's pip.conf (extra indexes, find-links) is not the runner's.
            PIP_CONFIG_FILE=os.devnull,
            ACT_DISABLE_VERSION_CHECK="1",
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
        timeout: float = DEFAULT_TIMEOUT,
        *,
        variables: Mapping[str, str] | None = None,
        inputs: Mapping[str, Any] | None = None,
        github_env: Mapping[str, str] | None = None,
    ) -> ActRun:
        """Run one workflow file of `repo` for `event`; never raises on a failing run.

        `ref`: where the push went. `env`: extra variables every step sees (host mode).
        `variables`: the `vars` context. `inputs`: a workflow_dispatch form.
        `github_env`: variables act itself sets (`GITHUB_SERVER_URL`, `GITHUB_API_URL`),
        overridden with `--env`.
        """
        self._runs += 1
        run_dir = self.root / f"run{self._runs:02d}-{Path(workflow).stem}-{event}"
        (run_dir / "artifacts").mkdir(parents=True)
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
            # Own process group, so a timeout also ends the steps act started.
            process = subprocess.Popen(
                command,
                cwd=repo.path,
                env={**self.environment(run_dir), **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                log.write(f"\nharness: act killed after {timeout:.0f}s\n")
                returncode = -signal.SIGKILL
        return ActRun(
            command=command,
            returncode=returncode,
            log=log_path.read_text(encoding="utf-8", errors="replace"),
            artifacts=run_dir / "artifacts",
            databricks_log=run_dir / "databricks.jsonl",
            seconds=time.monotonic() - start,
        )
