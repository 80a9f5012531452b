"""Cookiecutter generation hooks, calling the same code as copier's validators.

template/hooks/*.py are thin rendered shims that import this module, so the
hooks hold no rules of their own.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
if str(TEMPLATE_ROOT / "src") not in sys.path:
    sys.path.insert(0, str(TEMPLATE_ROOT / "src"))

from goldenpath.project import ANSWERS_FILE, QUESTIONS, answers_errors, answers_file_text, as_bool  # noqa: E402
from goldenpath.refs import expected_ref, project_version  # noqa: E402
from goldenpath.settings import SETTINGS_FILENAME, load_settings  # noqa: E402


def _answers(context: dict[str, Any]) -> dict[str, Any]:
    answers = {q: context.get(q) for q in QUESTIONS}
    try:
        answers["include_example"] = as_bool(answers["include_example"])
    except ValueError as exc:
        answers["include_example"] = str(exc)
    return answers


def refuse_invalid_answers(context: dict[str, Any]) -> int:
    """Exit status for the pre-gen hook; cookiecutter removes the output on failure."""
    errors = answers_errors(_answers(context), load_settings(TEMPLATE_ROOT / SETTINGS_FILENAME))
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


def write_copier_answers(context: dict[str, Any], destination: Path = Path()) -> None:
    """Record answers as copier would, so `copier update` can adopt this repo later."""
    settings = load_settings(TEMPLATE_ROOT / SETTINGS_FILENAME)
    record = {
        "_commit": expected_ref(project_version(TEMPLATE_ROOT)),
        "_src_path": settings.central_git_url(),
        **_answers(context),
    }
    (destination / ANSWERS_FILE).write_text(answers_file_text(record), encoding="utf-8")
