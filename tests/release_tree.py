"""A goldenpath checkout with a local bare remote, released the way docs/releasing.md says.

Shared by the release unit tests (tests/test_release.py) and the act run of
release.yml (tests/e2e/test_act_release.py): bump the version, pin the
self-references, write the CHANGELOG section, commit, tag, push.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from goldenpath.refs import pin_refs
from goldenpath.settings import load_settings
from rendering import git

RELEASE_DATE = "2026-11-26"


def notes_for(version: str) -> str:
    """The distinct notes each test release gets, so a wrong body cannot pass."""
    return f"### Added\n- Release {version} of goldenpath, made by the release tests."


def relock_version(root: Path, version: str) -> None:
    """What `scripts/lock` changes in uv.lock after a version bump and nothing else: the
    project's own version (tests/test_lock.py checks the real `uv lock` changes just that)."""
    lock = root / "uv.lock"
    text = lock.read_text(encoding="utf-8")
    own = re.compile(r'(?m)^(name = "goldenpath"\nversion = )"[^"]*"(\nsource = \{ editable = "\." \})')
    relocked, count = own.subn(rf'\1"{version}"\2', text)
    assert count == 1, "uv.lock has no editable goldenpath entry"
    lock.write_text(relocked, encoding="utf-8")


@dataclass(frozen=True)
class CentralCheckout:
    """`path` is the working copy on `main`; `remote` the bare repository it pushes to."""

    path: Path
    remote: Path

    @classmethod
    def create(cls, source: Path, path: Path, remote: Path) -> CentralCheckout:
        """Copy `source` (a clean goldenpath tree) to `path`, commit it and push `main` to `remote`."""
        shutil.copytree(source, path)
        git(path, "init", "-q", "-b", "main")
        if not (remote / "HEAD").is_file():
            remote.parent.mkdir(parents=True, exist_ok=True)
            git(path, "init", "-q", "--bare", "-b", "main", str(remote))
        git(path, "remote", "add", "origin", str(remote))
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "goldenpath")
        git(path, "push", "-q", "origin", "HEAD:main")
        return cls(path, remote)

    def prepare(
        self, version: str, *, notes: str | None = "default", pin: bool = True, relock: bool = True
    ) -> None:
        """The release commit's changes: pyproject version, relocked, pinned refs, a CHANGELOG section."""
        pyproject = self.path / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1))
        if relock:
            relock_version(self.path, version)
        if pin:
            pin_refs(self.path, load_settings(self.path / "goldenpath.yml"))
        if notes is not None:
            body = notes_for(version) if notes == "default" else notes
            changelog = self.path / "CHANGELOG.md"
            text = changelog.read_text(encoding="utf-8")
            first = re.search(r"(?m)^## \[(?!Unreleased)", text)
            at = first.start() if first else len(text)
            section = f"## [{version}] - {RELEASE_DATE}\n\n{body}\n\n"
            changelog.write_text(text[:at] + section + text[at:], encoding="utf-8")

    def release(
        self,
        version: str,
        *,
        notes: str | None = "default",
        pin: bool = True,
        relock: bool = True,
        tag: str = "",
    ) -> str:
        """Prepare, commit, tag (`v<version>` unless `tag`) and push; returns the tagged commit."""
        self.prepare(version, notes=notes, pin=pin, relock=relock)
        name = tag or f"v{version}"
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", f"Release {name}")
        git(self.path, "tag", "-a", name, "-m", name)
        git(self.path, "push", "-q", "origin", "HEAD", f"refs/tags/{name}")  # the current branch
        return self.head()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def branch_from(self, branch: str, ref: str) -> None:
        """Continue on a new branch from `ref`, e.g. a maintenance line for a backport."""
        git(self.path, "checkout", "-q", "-b", branch, ref)

    def checkout_tag(self, tag: str) -> None:
        """Check out a release tag, as release.yml's checkout of a tag push does."""
        git(self.path, "checkout", "-q", "--detach", tag)

    def remote_tags(self) -> dict[str, str]:
        """Tag -> commit on the remote (annotated tags peeled): what every test compares."""
        out = subprocess.run(
            ["git", "ls-remote", "--tags", str(self.remote)], capture_output=True, text=True, check=True
        ).stdout
        tags: dict[str, str] = {}
        for line in out.splitlines():
            sha, ref = line.split("\t")
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                tags[name[:-3]] = sha
            else:
                tags.setdefault(name, sha)
        return tags
