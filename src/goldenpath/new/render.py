"""`goldenpath new`: render a repository with copier, refusing bad answers in plain words.

Copier's own CLI reports a refused `--data`/`--defaults` answer inside a Python
traceback. This wraps copier's Python API: a refusal is one paragraph (the rule
that failed and a valid example, from the template's own validators) and exit 1,
and the destination is left exactly as it was.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tomllib
import warnings
from pathlib import Path
from typing import Any

import yaml

from goldenpath import __version__
from goldenpath.checkout import CHECKOUT, is_template
from goldenpath.errors import Refused, UsageError
from goldenpath.git import GitError, git
from goldenpath.project import ANSWERS_FILE, QUESTIONS, as_bool
from goldenpath.refs import ReleaseTag, expected_ref
from goldenpath.settings import DEFAULT_GITHUB_SERVER_URL, SERVING_KIND, load_settings

NOTHING_WRITTEN = "nothing was written"
# How copier words a refused answer: "Validation error for question 'team': ..."
_COPIER_PREFIX = re.compile(r"^(?:Validation error for question|Invalid choice for) '(\w+)': ")


def parse_data(pairs: list[str], example_name: str) -> dict[str, Any]:
    """`--data KEY=VALUE` pairs as answers; a malformed, unknown or repeated key is a usage error."""
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--data {pair!r} is not KEY=VALUE", f"for example --data repo_name={example_name}"
            )
        if key not in QUESTIONS:
            raise UsageError(f"--data {key!r} is not a question", f"the questions are {', '.join(QUESTIONS)}")
        if key in answers:
            raise UsageError(f"--data {key} is given twice", "give each answer once")
        answers[key] = value
    if "include_example" in answers:
        try:
            answers["include_example"] = as_bool(answers["include_example"])
        except ValueError as exc:
            raise Refused(
                f"include_example {exc}", f"for example --data include_example=false; {NOTHING_WRITTEN}"
            ) from exc
    return answers


def template_source(template: str | None, vcs_ref: str | None) -> tuple[str, str]:
    """Where to render from and at which ref."""
    if template:
        return template, vcs_ref or "HEAD"
    if is_template(CHECKOUT):
        return str(CHECKOUT), vcs_ref or "HEAD"
    server = os.environ.get("GITHUB_SERVER_URL") or DEFAULT_GITHUB_SERVER_URL
    return load_settings().central_git_url(server), vcs_ref or expected_ref(__version__)


def one_paragraph(message: str) -> str:
    """Copier's refusal as one paragraph: the question, then each broken rule and the example."""
    message = _COPIER_PREFIX.sub(r"\1 refused: ", message.strip())
    lines = [line.strip().removeprefix("- ") for line in message.splitlines() if line.strip()]
    return "".join(
        line + ("" if index == len(lines) - 1 else " " if line.endswith((":", ".", "?", ";")) else "; ")
        for index, line in enumerate(lines)
    ).rstrip(". ")


def check_destination(dest: Path) -> None:
    """`dest` must be creatable: missing, or an empty directory, under directories only."""
    for parent in dest.absolute().parents:
        if parent.exists() and not parent.is_dir():
            raise UsageError(
                f"cannot create {dest}: {parent} is a file, not a directory", "choose another DEST"
            )
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} is a file", f"choose a new directory; {NOTHING_WRITTEN}")
    if dest.is_dir() and any(dest.iterdir()):
        raise Refused(f"{dest} already exists and is not empty", f"choose a new directory; {NOTHING_WRITTEN}")


def render(dest: Path, answers: dict[str, Any], defaults: bool, source: str, vcs_ref: str) -> None:
    """Render with copier; on any refusal, leave `dest` as it was and raise in the error model."""
    import copier  # loaded here: every other command starts without it
    from copier.errors import (
        CopierAnswersInterrupt,
        DirtyLocalWarning,
        InteractiveSessionError,
        UserMessageError,
    )

    check_destination(dest)
    existed = dest.exists()
    try:
        with warnings.catch_warnings():
            # Rendering a checkout's uncommitted changes is what a template author wants here.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            copier.run_copy(
                source, dest, data=answers, defaults=defaults, vcs_ref=vcs_ref, unsafe=True, quiet=True
            )
    except (ValueError, InteractiveSessionError, CopierAnswersInterrupt, UserMessageError, OSError) as exc:
        _empty_again(dest, existed)
        if isinstance(exc, InteractiveSessionError):
            raise UsageError(
                "some answers are missing and there is no terminal to ask them",
                f"give them with --data KEY=VALUE or take the defaults with --defaults; {NOTHING_WRITTEN}",
            ) from exc
        if isinstance(exc, CopierAnswersInterrupt):
            raise Refused("interrupted", NOTHING_WRITTEN) from exc
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {dest}: {exc.strerror or exc}", NOTHING_WRITTEN) from exc
        raise Refused(one_paragraph(str(exc)), NOTHING_WRITTEN) from exc


def record_nearest_release(dest: Path, source: str, vcs_ref: str) -> str:
    """Record the release a render from an untagged checkout descends from; a note saying so, or "".

    copier records `git describe --tags --always`, which is a bare commit where
    no release tag is reachable (a shallow or tag-less clone). `goldenpath update`
    needs a release to update from: the checkout's pyproject version names it,
    since the version only moves when a release is made (docs/releasing.md).
    """
    answers = dest / ANSWERS_FILE
    text = answers.read_text(encoding="utf-8")
    recorded = str((yaml.safe_load(text) or {}).get("_commit", ""))
    if not recorded or ReleaseTag.of_commit(recorded) is not None or not Path(source).is_dir():
        return ""
    try:
        pyproject = git("show", f"{vcs_ref}:pyproject.toml", cwd=Path(source), strip=False)
        version = str(tomllib.loads(pyproject)["project"]["version"])
    except (GitError, KeyError, tomllib.TOMLDecodeError):
        return ""
    release = ReleaseTag.of_commit(expected_ref(version))
    if release is None:
        return ""
    answers.write_text(
        re.sub(r"(?m)^_commit: .*$", f"_commit: {release.name}", text, count=1), encoding="utf-8"
    )
    return (
        f"{source} at {recorded} has no release tag; {ANSWERS_FILE} records {release.name}, the "
        "release its version names, so `goldenpath update` takes the repository from there"
    )


def _empty_again(dest: Path, existed: bool) -> None:
    """Undo a failed render: remove what it created (DEST was missing or empty before)."""
    if not dest.exists():
        return
    if not existed:
        shutil.rmtree(dest)
        return
    for child in dest.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _install_step() -> str:
    """Where Python never caches compiled modules itself, every test run would recompile them."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "  poetry install --compile           # PYTHONDONTWRITEBYTECODE is set: compile once, here"
    return "  poetry install"


def next_steps(dest: Path, source: str) -> str:
    """What to type next, in order; the MLflow line only with the example pipeline, scoring only when serving."""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    repo = answers["repo_name"]
    steps = [
        f"Created {dest} from {source}. Next:",
        f"  cd {shlex.quote(str(dest))}",
        _install_step(),
        "  poetry run pytest",
        f"  poetry run {repo}        # runs the pipeline locally",
    ]
    if answers.get("project_kind") == SERVING_KIND:
        steps.append(
            f"  poetry run {repo} --score <model_uri>   # scores as the endpoint would; the run prints model_uri"
        )
    if answers.get("include_example"):
        steps.append(
            "  poetry run mlflow ui --backend-store-uri sqlite:///mlflow.db"
            "   # browse the runs (needs `poetry add --group dev mlflow`)"
        )
    steps += [
        "Deploy: commit, push to GitHub and merge to main; CI tests every change, main deploys",
        "to acc and a release tag v* to prd (README.md, section Deploy). Into your own dev",
        "workspace: databricks bundle deploy -t dev",
    ]
    return "\n".join(steps)
