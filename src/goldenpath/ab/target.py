"""The repo and bundle target an `ab` command works on: the model, the experiment config, the key."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from goldenpath.ab_config import (
    AB_FILE,
    DEFAULT_KEY_COLUMN,
    AbFile,
    AbFileError,
    Experiment,
    read_ab_file,
)
from goldenpath.databricks.bundle import BundleError, BundleTarget, load_bundle
from goldenpath.errors import UsageError
from goldenpath.settings import RELEASED_ENVIRONMENT

# The target real users call, where experiments belong, unless --target names another.
DEFAULT_TARGET = RELEASED_ENVIRONMENT
KEY_CONSTANT = "AB_KEY_COLUMN"
CHECK_FIX = "run `goldenpath check-repo`, which names the line, and fix resources/ab.yml"


@dataclass(frozen=True)
class AbTarget:
    """One bundle target of a serving repo, with its experiment configuration as the files hold it."""

    bundle: BundleTarget
    config: AbFile
    project_key: str  # AB_KEY_COLUMN of the package's config.py

    @property
    def root(self) -> Path:
        return self.bundle.root

    @property
    def name(self) -> str:
        return self.bundle.target

    @property
    def model(self) -> str:
        return self.bundle.model_full_name

    @property
    def experiment(self) -> Experiment | None:
        """The experiment resources/ab.yml runs in this target, if any."""
        try:
            return self.config.experiment(self.name)
        except ValueError as exc:
            raise UsageError(
                f"{AB_FILE} holds a malformed experiment for {self.name}: {exc}", CHECK_FIX
            ) from None

    def key(self, experiment: Experiment) -> str:
        return experiment.key or self.project_key


def load_target(path: str | Path, target: str) -> AbTarget:
    """The serving repo at `path` for `target`; refuses a batch repo and a malformed config."""
    try:
        bundle = load_bundle(path, target)
    except BundleError as exc:
        raise UsageError(
            str(exc), "run goldenpath ab in a generated serving repository, with --target"
        ) from None
    if bundle.endpoint_name is None:
        raise UsageError(
            f"{bundle.root} is a batch repository: it has no serving endpoint to test",
            "A/B tests compare models on a serving repo's endpoint (project_kind serving)",
        )
    try:
        config = read_ab_file(bundle.root)
    except AbFileError as exc:
        raise UsageError(
            str(exc), "restore resources/ab.yml from the template (`goldenpath update`)"
        ) from None
    problems = config.problems(None) + config.problems(target)
    if problems:
        listed = "; ".join(f"{p.variable} {p.message}" for p in problems)
        raise UsageError(f"{AB_FILE} is not well-formed: {listed}", CHECK_FIX)
    return AbTarget(bundle, config, _project_key(bundle))


def _project_key(bundle: BundleTarget) -> str:
    """AB_KEY_COLUMN as config.py sets it (read, never imported: the CLI runs outside the repo's env)."""
    path = bundle.root / "src" / bundle.package_name / "config.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return DEFAULT_KEY_COLUMN
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == KEY_CONSTANT for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return DEFAULT_KEY_COLUMN
