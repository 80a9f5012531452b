"""Copier migrations: template changes a 3-way merge cannot express.

copier update merges file by file, by path. When a release moves a file, the
merge sees the old path deleted and the new one created, and a repository's
edits to the old file would be dropped with it. `move OLD NEW` carries them
across. copier.yml runs it in both migration stages (docs/releasing.md):

- before the update: the repository's own version of OLD and the template's
  version of OLD at the release the repository is on (rendered again with the
  repository's answers) are kept under `.git/goldenpath-migrations/`; a
  repository that had deleted OLD is recorded as such;
- after the update: NEW, as the new release rendered it, is 3-way merged with
  those two, so NEW holds the template's changes and the repository's edits;
  overlapping edits get copier's own conflict markers, never a silent choice.
  A file the repository had deleted stays deleted.

copier runs this with its own interpreter (`_copier_python`), which has copier
and PyYAML; it reads STAGE and VERSION_FROM as copier sets them for migrations.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

ANSWERS_FILE = Path(".copier-answers.yml")
LABELS = ("before updating", "last update", "after updating")  # copier's own conflict labels


def state_dir() -> Path:
    """Where the before stage leaves what the after stage needs (inside .git, never committed)."""
    path = subprocess.run(
        ["git", "rev-parse", "--git-path", "goldenpath-migrations"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(path)


def render_release(version: str, destination: Path) -> None:
    """The template at `version`, rendered with this repository's answers."""
    from copier import run_copy  # copier's interpreter runs this script

    answers = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    run_copy(
        str(answers["_src_path"]),
        destination,
        data=data,
        vcs_ref=version,
        defaults=True,
        unsafe=True,
        quiet=True,
        overwrite=True,
    )


def _keep(content: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def move_before(old: str, state: Path, version_from: str) -> str:
    shutil.rmtree(state, ignore_errors=True)
    if not Path(old).is_file():
        _keep(b"", state / "deleted" / old)
        return f"{old}: deleted in this repository; it stays deleted"
    _keep(Path(old).read_bytes(), state / "ours" / old)
    with tempfile.TemporaryDirectory(prefix="goldenpath-migration-") as scratch:
        render_release(version_from, Path(scratch) / "old")
        base = Path(scratch) / "old" / old
        if base.is_file():
            _keep(base.read_bytes(), state / "base" / old)
    return f"{old}: kept this repository's version to carry it to its new path"


def move_after(old: str, new: str, state: Path) -> str:
    ours, base, deleted = state / "ours" / old, state / "base" / old, state / "deleted" / old
    target = Path(new)
    try:
        if deleted.exists():
            target.unlink(missing_ok=True)
            return f"{old} -> {new}: the file was deleted here, so {new} is not created"
        if not ours.is_file():
            return f"{old} -> {new}: nothing kept by the before stage; {new} is as the template renders it"
        with tempfile.TemporaryDirectory(prefix="goldenpath-migration-") as scratch:
            theirs = Path(scratch) / "theirs"
            theirs.write_bytes(target.read_bytes() if target.is_file() else b"")
            common = base if base.is_file() else Path(scratch) / "empty"
            common.touch()
            merged = subprocess.run(
                [
                    "git",
                    "merge-file",
                    "-p",
                    *(arg for label in LABELS for arg in ("-L", label)),
                    str(ours),
                    str(common),
                    str(theirs),
                ],
                capture_output=True,
                check=False,
            )
        if merged.returncode < 0 or merged.returncode > 127:
            raise RuntimeError(f"git merge-file failed: {merged.stderr.decode(errors='replace')}")
        _keep(merged.stdout, target)
        for leftover in (Path(old), Path(old + ".rej")):
            leftover.unlink(missing_ok=True)
        outcome = f"{merged.returncode} conflict(s) marked" if merged.returncode else "edits carried over"
        return f"{old} -> {new}: {outcome}"
    finally:
        shutil.rmtree(state, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="migrate.py", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True)
    move = actions.add_parser("move", help="a file the template moved from OLD to NEW")
    move.add_argument("old")
    move.add_argument("new")
    args = parser.parse_args(argv)
    stage, version_from = os.environ.get("STAGE", ""), os.environ.get("VERSION_FROM", "")
    if stage not in ("before", "after") or not version_from:
        print("migrate.py: run by copier's _migrations (STAGE and VERSION_FROM unset)", file=sys.stderr)
        return 2
    state = state_dir() / args.old.replace("/", "%")
    if stage == "before":
        message = move_before(args.old, state, version_from)
    else:
        message = move_after(args.old, args.new, state)
    print(f"goldenpath migration ({stage}): {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
