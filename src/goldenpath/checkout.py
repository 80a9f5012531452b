"""The goldenpath checkout this CLI runs from, when it runs from one.

A template author's editable install, and the create-repo workflow's checkout
of the central repository, render the template beside the code; an installed
CLI has no template of its own and renders the central repository instead.
"""

from __future__ import annotations

from pathlib import Path

# src/goldenpath/checkout.py -> the repository root (a template only in a checkout).
CHECKOUT = Path(__file__).resolve().parents[2]
COPIER_CONFIG = "copier.yml"


def is_template(path: Path) -> bool:
    """Whether `path` holds the goldenpath template (its copier.yml)."""
    return (path / COPIER_CONFIG).is_file()
