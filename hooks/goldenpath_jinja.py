"""Jinja extension shared by copier and cookiecutter.

Both engines load this one file (copier through copier-template-extensions,
cookiecutter through `template/local_extensions.py`), so questions, validation
and derived names come from the `goldenpath` package of the same checkout and
from that checkout's `goldenpath.yml`. Only PyYAML and the standard library
are needed, which both engines already bring.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.environment import Environment
from jinja2.ext import Extension
from jinja2.runtime import Context

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
if str(TEMPLATE_ROOT / "src") not in sys.path:
    sys.path.insert(0, str(TEMPLATE_ROOT / "src"))

from goldenpath.naming import example_repo_name  # noqa: E402
from goldenpath.project import (  # noqa: E402  (import after the path is set)
    AUTH_MODES,
    QUESTIONS,
    Project,
    answer_error,
    as_bool,
    build_project,
    default_description,
    default_team,
)
from goldenpath.render_filters import FILTERS  # noqa: E402
from goldenpath.settings import SETTINGS_FILENAME, Settings, load_settings  # noqa: E402


class GoldenpathExtension(Extension):
    """Adds `goldenpath*` globals and the escaping filters; every template decision is made in Python."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        show_whole_refusals()
        environment.filters.update(FILTERS)
        settings = load_settings(TEMPLATE_ROOT / SETTINGS_FILENAME)
        environment.globals.update(
            goldenpath=lambda answers: _project(answers, settings),
            goldenpath_settings=lambda: settings,
            goldenpath_choices=lambda question: _choices(question, settings),
            goldenpath_example_name=lambda: example_repo_name(settings),
            goldenpath_default_team=lambda repo_name: default_team(str(repo_name), settings),
            goldenpath_default_description=lambda repo_name: default_description(str(repo_name)),
            goldenpath_answers=pass_context(_answers_from_context),
            goldenpath_validate=pass_context(
                lambda ctx, question: answer_error(question, _answers_from_context(ctx), settings)
            ),
            goldenpath_template_root=lambda: str(TEMPLATE_ROOT),
        )


def _answers_from_context(ctx: Context) -> dict[str, Any]:
    """Copier keeps answers as top-level variables; gather the known ones."""
    answers = {q: ctx.get(q) for q in QUESTIONS if ctx.get(q) is not None}
    if "include_example" in answers:
        answers["include_example"] = as_bool(answers["include_example"])
    return answers


def _project(answers: dict[str, Any], settings: Settings) -> Project:
    cleaned = {q: answers.get(q) for q in QUESTIONS}
    cleaned["include_example"] = as_bool(cleaned["include_example"])
    return build_project(cleaned, settings, TEMPLATE_ROOT)


def _choices(question: str, settings: Settings) -> list[str]:
    if question == "python_version":
        return list(settings.python_supported)
    if question == "auth_mode":
        return list(AUTH_MODES)
    if question == "team":
        return list(settings.teams)
    if question == "project_kind":
        return list(settings.project_kinds)
    raise KeyError(f"question {question!r} has no choices")


def show_whole_refusals() -> None:
    """Make copier's interactive prompt show every line of a refused answer's reason.

    copier asks through questionary on prompt_toolkit, whose validation toolbar
    is one row cut at the terminal's width: the rule that failed and the valid
    example would be hidden. Here the toolbar wraps and grows to fit the whole
    reason, for every prompt of this process (`copier copy` and `goldenpath new`).
    cookiecutter asks without prompt_toolkit and needs nothing.
    """
    try:
        from prompt_toolkit.filters import has_validation_error
        from prompt_toolkit.layout import ConditionalContainer, Window
        from prompt_toolkit.widgets.toolbars import ValidationToolbar

        # The module, which its package shadows with its `prompt` function.
        prompt = importlib.import_module("prompt_toolkit.shortcuts.prompt")
    except ImportError:
        return
    if getattr(prompt.ValidationToolbar, "shows_whole_reason", False):
        return

    class WholeReasonToolbar(ValidationToolbar):
        shows_whole_reason = True

        def __init__(self, show_position: bool = False) -> None:
            super().__init__(show_position)
            self.container = ConditionalContainer(
                Window(self.control, wrap_lines=True, dont_extend_height=True), filter=has_validation_error
            )

    prompt.ValidationToolbar = WholeReasonToolbar  # type: ignore[attr-defined]
