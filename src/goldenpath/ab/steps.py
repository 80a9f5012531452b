"""The write steps of `goldenpath ab`: each reads the state, decides, and writes only what differs.

So every command is idempotent, a dry run is the same steps not writing, and
a rerun after a failure finishes the job. Results are the reconcile
vocabulary's (`goldenpath.github.reconcile`: created, updated, unchanged,
would create, would update), and deleted for an alias removed.
"""

from __future__ import annotations

from goldenpath.ab.target import AbTarget
from goldenpath.ab_config import Experiment, write_target
from goldenpath.databricks.registry import Registry
from goldenpath.github.reconcile import UNCHANGED, Step, creating, updating

# Beside the reconcile vocabulary's: an alias a step removes.
DELETED, WOULD_DELETE = "deleted", "would delete"


def set_alias(registry: Registry, alias: str, version: str, dry_run: bool) -> Step:
    """`alias` names `version`."""
    current = registry.alias(alias)
    name = f"alias {alias}"
    if current == version:
        return Step(name, UNCHANGED, f"version {version}")
    if not dry_run:
        registry.set_alias(alias, version)
    moved = f"version {current} -> {version}" if current else f"version {version}"
    return Step(name, updating(dry_run) if current else creating(dry_run), moved)


def delete_alias(registry: Registry, alias: str, dry_run: bool) -> Step:
    """`alias` names nothing."""
    current = registry.alias(alias)
    name = f"alias {alias}"
    if current is None:
        return Step(name, UNCHANGED, "not set")
    if not dry_run:
        registry.delete_alias(alias)
    return Step(name, WOULD_DELETE if dry_run else DELETED, f"was version {current}")


def tag_version(registry: Registry, version: str, tags: dict[str, str], dry_run: bool) -> Step:
    """`version` carries `tags` (others it has stay)."""
    found = registry.version(version)
    current = found.tags if found else {}
    differing = {key: value for key, value in tags.items() if current.get(key) != value}
    name = f"tags of version {version}"
    if not differing:
        return Step(name, UNCHANGED)
    if not dry_run:
        for key, value in differing.items():
            registry.set_tag(version, key, value)
    return Step(name, updating(dry_run), ", ".join(sorted(differing)))


def write_config(target: AbTarget, experiment: Experiment | None, dry_run: bool) -> Step:
    """resources/ab.yml runs `experiment` in the target (None: none)."""
    name = f"resources/ab.yml {target.name}"
    if not write_target(target.root, target.name, experiment, dry_run=dry_run):
        return Step(name, UNCHANGED)
    what = f"challenger {experiment.challenger} at {experiment.percent}%" if experiment else "no experiment"
    return Step(name, updating(dry_run), what)
