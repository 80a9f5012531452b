"""Cookiecutter entry to the shared Jinja extension in ../hooks/goldenpath_jinja.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))

from goldenpath_jinja import GoldenpathExtension

__all__ = ["GoldenpathExtension"]
