"""Render a new repository with copier from a template checkout at a release tag.

The same copier run a data scientist does by hand (`copier copy --trust`), through
copier's Python API, plus the one thing a hand run cannot know: the answers file
must name the central repository by its URL, not by the local checkout it was
rendered from, so `copier update` works in any clone of the new repository.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from goldenpath.errors import UsageError
from goldenpath.git import GitError, commit_of, git
from goldenpath.project import ANSWERS_FILE, answers_file_text


class RenderError(UsageError):
    """The template cannot be rendered as asked (missing ref, not a checkout, copier failed)."""


def resolve_ref(template: Path, ref: str) -> str:
    """The commit `ref` names in the template checkout; a clear error when it does not exist."""
    if not (template / "copier.yml").is_file():
        raise RenderError(f"{template} is not a goldenpath checkout (no copier.yml); pass --template PATH")
    try:
        return commit_of(template, ref)
    except GitError as exc:
        raise RenderError(
            f"{template} has no git ref {ref!r}: fetch the release tags (git fetch --tags) "
            "or pass --vcs-ref with an existing tag"
        ) from exc


def template_file(template: Path, ref: str, path: str) -> str:
    """A file of the template as it is at `ref` (what a render at `ref` uses), not the working tree."""
    try:
        return git("show", f"{ref}:{path}", cwd=template, strip=False)
    except GitError as exc:
        raise RenderError(f"{template} at {ref} has no {path}") from exc


def render(template: Path, ref: str, answers: dict[str, Any], dst: Path, central_git_url: str) -> Path:
    """Render `answers` into `dst` with copier at `ref`; the answers file points at `central_git_url`."""
    from copier import run_copy  # imported here: heavy, and only create-repo renders

    # The template's Jinja extension puts its own src/ on sys.path; do not keep it.
    saved_path = list(sys.path)
    try:
        run_copy(
            str(template),
            dst,
            data=answers,
            vcs_ref=ref,
            defaults=True,
            unsafe=True,  # the template's own Jinja extension, as `copier copy --trust`
            quiet=True,
            overwrite=True,
        )
    except Exception as exc:  # copier raises many types; all mean "this render failed"
        raise RenderError(f"copier could not render {template} at {ref}: {exc}") from exc
    finally:
        sys.path[:] = saved_path
    answers_path = dst / ANSWERS_FILE
    record = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    record["_src_path"] = central_git_url
    answers_path.write_text(answers_file_text(record), encoding="utf-8")
    return dst
