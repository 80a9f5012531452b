"""The world the exit-code contract runs in: a generated repo, the fakes, an https package index and a
closed port, with the constants and helpers the cases share (tests/test_error_contract.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from fakes.databricks import FakeWorkspaceServer
from fakes.github import FakeGitHub, start_fake_github
from goldenpath.refs import project_version
from goldenpath.settings import load_settings
from loopback_tls import LoopbackTls, loopback_tls
from platform_index import PlatformIndex, serve_platform_index
from rendering import EXAMPLE_ANSWERS, REPO_ROOT, git, render

SETTINGS = load_settings()
NAME = str(EXAMPLE_ANSWERS["repo_name"])
WRONG_GITHUB_TOKEN = "ghs_wrong-token-that-must-never-be-printed"
WRONG_DATABRICKS_TOKEN = "dapi-wrong-token-that-must-never-be-printed"
WRONG_UPLOAD_TOKEN = "pypi-wrong-token-that-must-never-be-printed"
RELEASED = f"v{project_version(REPO_ROOT)}"
CREATE_REPO = ["create-repo", NAME, "--team", "ds-rtl", "--requester", "alice", "--vcs-ref", "HEAD"]
# Variables the cases' environment starts without: the SDKs' auth, GitHub's, goldenpath's and uv's.
SDK = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "ACTIONS_ID_TOKEN")
SDK_VARIABLES = (*SDK, "GITHUB_", "GOLDENPATH_", "UV_PUBLISH_")


@dataclass
class World:
    """The repos, the fakes and a port nothing listens on, shared by every case."""

    repo: Path
    scratch: Path
    github: FakeGitHub
    workspace: FakeWorkspaceServer
    closed: str  # http://127.0.0.1:<a port nothing listens on>
    index: PlatformIndex  # the org's package index, over https
    tls: LoopbackTls

    @property
    def github_env(self) -> dict[str, str]:
        return {"GITHUB_API_URL": self.github.url, "GITHUB_TOKEN": self.github.token}

    @property
    def databricks_env(self) -> dict[str, str]:
        return {"DATABRICKS_HOST": self.workspace.url, "DATABRICKS_TOKEN": self.workspace.token}

    def upload(self, tag: str, index: str, publish: str) -> list[str]:
        """`release upload` of this checkout to an org whose index and upload API are these URLs."""
        settings = self.scratch / f"publishing-{len(list(self.scratch.glob('publishing-*')))}.yml"
        old = "  package_index: https://pypi.org/simple/\n"
        text = (REPO_ROOT / "goldenpath.yml").read_text(encoding="utf-8")
        settings.write_text(text.replace(old, f"  package_index: {index}\n  publish_url: {publish}\n"))
        return ["release", "upload", "--tag", tag, "--root", str(REPO_ROOT), "--settings", str(settings)]


@dataclass(frozen=True)
class Case:
    argv: list[str]
    code: int
    env: dict[str, str] = field(default_factory=dict)
    says: str = ""  # a fragment the message must contain


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def serving_repo(w: World) -> str:
    """A serving repo beside the world's batch repo, for `goldenpath ab` (rendered once)."""
    path = w.scratch / "serving" / NAME
    if not path.exists():
        render(w.scratch / "serving", {"project_kind": "serving"})
    return str(path)


AB_COMMANDS = {
    "start": ["--challenger", "2", "--percent", "10"],
    "status": [],
    "promote": [],
    "abort": [],
}


def start_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("contract")
    repo = render(base)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Generated")
    tls = loopback_tls(base / "tls")
    with (
        start_fake_github() as github,
        FakeWorkspaceServer() as workspace,
        serve_platform_index(
            base / "index", "https://pypi.org/simple/", token="pypi-right", tls=tls
        ) as index,
    ):
        yield World(repo, base, github, workspace, closed_port(), index, tls)


DATABRICKS_COMMANDS = {
    "preflight": ["--target", "acc"],
    "verify": ["--target", "acc", "--git-sha", "abcdef1", "--version", "0.1.0"],
    "smoke": ["--target", "acc", "--poll-interval", "0"],
    "trace": ["abcdef1", "--target", "acc"],
}
MONITOR_COMMANDS = ("status", "prepare")


def answers_repo(w: World, name: str, source: str) -> str:
    path = w.scratch / f"answers-{name}"
    path.mkdir(exist_ok=True)
    (path / ".copier-answers.yml").write_text(yaml.safe_dump({"_commit": "v1.0.0", "_src_path": source}))
    return str(path)
