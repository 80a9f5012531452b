"""goldenpath.git against real git: one error type that names the command and never the token."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from goldenpath.git import GitError, commit_all, commit_of, git
from goldenpath.github.client import GitHubEnv

TOKEN = "ghs_secret_token_value"


def _repo(path: Path) -> Path:
    git("init", "--quiet", "--initial-branch=main", str(path))
    return path


def test_stdout_is_stripped_unless_asked(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    assert git("status", "--porcelain", cwd=repo) == "?? a.txt"
    assert git("status", "--porcelain", cwd=repo, strip=False) == "?? a.txt\n"
    (repo / "a.txt").unlink()
    assert git("status", "--porcelain", cwd=repo) == ""


def test_commit_all_as_author_and_commit_of(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(repo, "first\n\nbody", author=("goldenpath-bot", "bot@example.com"))
    assert git("log", "-1", "--format=%an <%ae>|%s", cwd=repo) == "goldenpath-bot <bot@example.com>|first"
    assert git("status", "--porcelain", cwd=repo) == ""
    head = commit_of(repo, "HEAD")
    assert len(head) == 40 and commit_of(repo, "main") == head
    with pytest.raises(GitError) as missing:
        commit_of(repo, "v9.9.9")
    assert missing.value.subcommand == "rev-parse" and missing.value.returncode != 0


def test_error_names_the_subcommand_and_what_git_said(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    with pytest.raises(GitError) as failed:
        git(
            "-c",
            "user.name=someone",
            "-c",
            "user.email=x@example.com",
            "commit",
            "--quiet",
            "-m",
            "m",
            cwd=repo,
        )
    assert str(failed.value).startswith("git commit failed: ")
    assert "nothing to commit" in str(failed.value)  # git says so on stdout, not stderr
    with pytest.raises(GitError, match=r"^git status failed: .*cannot change to"):
        git("status", cwd=tmp_path / "nowhere")  # a missing directory is a GitError too
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match=r"^git status failed: .*not a git repository"):
        git("status", cwd=tmp_path / "plain", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})


def test_a_failing_push_with_a_token_never_shows_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(repo, "first", author=("bot", "bot@example.com"))
    env = GitHubEnv(token=TOKEN, api_url="http://127.0.0.1:9", server_url="http://127.0.0.1:9")
    with pytest.raises(GitError) as failed:
        git("push", "--quiet", "http://127.0.0.1:9/org/repo.git", "main", cwd=repo, env=env.git_environ())
    message = str(failed.value)
    assert message.startswith("git push failed: ") and "127.0.0.1" in message
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert TOKEN not in message and basic not in message and "AUTHORIZATION" not in message
