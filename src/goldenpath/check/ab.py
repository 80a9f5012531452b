"""check-repo's A/B rule: a serving repo's experiment config is well-formed, and its job applies it.

resources/ab.yml must declare every experiment variable with defaults that run
no test, each target section must name a target of the bundle and resolve to
a well-formed test (`goldenpath.ab_config` holds the rules, shared with
`goldenpath ab`), and the job's rollout task must pass the test to the
endpoint.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from goldenpath.ab_config import AB_FILE, VARIABLES, AbFileError, read_ab_file
from goldenpath.bundle import YamlFile
from goldenpath.check.findings import Finding

BUNDLE_FILE = "databricks.yml"
JOB_FILE = "resources/pipeline_job.yml"
ROLLOUT_FLAGS = ("challenger", "percent", "salt", "key")


def check_ab(root: Path) -> list[Finding]:
    """Every way a serving repo's experiment config is malformed or not applied."""
    try:
        config = read_ab_file(root)
    except AbFileError as exc:
        return [Finding(AB_FILE, 1, "ab-config", f"{exc}; restore it from the template (goldenpath update)")]
    file = YamlFile.parse(AB_FILE, (root / AB_FILE).read_text(encoding="utf-8"))
    findings = [
        Finding(AB_FILE, file.line("variables", p.variable), "ab-variable", f"{p.variable} {p.message}")
        for p in config.problems(None)
    ]
    targets = _bundle_targets(root)
    for target in config.targets:
        if targets and target not in targets:
            findings.append(
                Finding(
                    AB_FILE,
                    file.line("targets", target),
                    "ab-target",
                    f"targets.{target} is not a target of {BUNDLE_FILE} ({', '.join(targets)})",
                )
            )
            continue
        findings += [
            Finding(
                AB_FILE,
                file.line("targets", target, "variables", p.variable),
                "ab-experiment",
                f"{target}: {p.variable} {p.message}",
            )
            for p in config.problems(target)
        ]
    return findings + _rollout(root)


def _rollout(root: Path) -> list[Finding]:
    """The rollout task passes the test (`--ab-<name> ${var.ab_<name>}`), or the endpoint never serves it."""
    try:
        job = yaml.safe_load((root / JOB_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []  # the bundle checks report a missing or broken job file
    for body in ((job.get("resources") or {}).get("jobs") or {}).values():
        for task in (body or {}).get("tasks") or []:
            parameters = [
                str(p) for p in ((task or {}).get("python_wheel_task") or {}).get("parameters") or []
            ]
            if "--rollout" not in parameters:
                continue
            pairs = set(itertools.pairwise(parameters))
            missing = [
                f"--ab-{name} ${{var.{VARIABLES[name]}}}"
                for name in ROLLOUT_FLAGS
                if (f"--ab-{name}", f"${{var.{VARIABLES[name]}}}") not in pairs
            ]
            if missing:
                line = YamlFile.parse(JOB_FILE, (root / JOB_FILE).read_text(encoding="utf-8")).line(
                    "resources", "jobs"
                )
                return [
                    Finding(
                        JOB_FILE,
                        line,
                        "ab-rollout",
                        f"the rollout task does not pass {', '.join(missing)}: the endpoint would never "
                        "serve the A/B test of resources/ab.yml; keep the parameters as generated",
                    )
                ]
    return []


def _bundle_targets(root: Path) -> list[str]:
    try:
        loaded: Any = yaml.safe_load((root / BUNDLE_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return [str(name) for name in (loaded.get("targets") or {})] if isinstance(loaded, dict) else []
