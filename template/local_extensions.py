"""Cookiecutter entry to the shared Jinja extension in ../hooks/goldenpath_jinja.py."""

import sys
from pathlib import Path

from jinja2.environment import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))

from cookiecutter_hooks import keep_answers_literal
from goldenpath_jinja import GoldenpathExtension as SharedExtension


class GoldenpathExtension(SharedExtension):
    """The shared extension, plus copier's rule that answers are never rendered as Jinja."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        keep_answers_literal()


__all__ = ["GoldenpathExtension"]
