"""Which actions a run reaches, and where act finds each one offline.

Third-party actions are pinned by SHA in the shipped files and cannot be
fetched here. Each is mapped to a test double in tests/e2e/doubles/, at the SHA
read from the shipped files at run time, so bumping a pin needs no change here.
actions/checkout needs none: act skips it for the repository under test, whose
workspace is already a copy of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DOUBLES_DIR = Path(__file__).resolve().parent / "doubles"

# Third-party action -> its test double under DOUBLES_DIR (None: act handles it).
DOUBLES: dict[str, str | None] = {
    # act skips actions/checkout of the repository under test (no `repository:`
    # or `ref:` input) because it already copied the repository into the workspace.
    "actions/checkout": None,
    "actions/setup-python": "setup-python",
    "actions/cache": "cache",
    "actions/upload-artifact": "upload-artifact",
    "databricks/setup-cli": "setup-cli",
    "actions/create-github-app-token": "create-github-app-token",
    "actions/download-artifact": "download-artifact",
    "actions/upload-pages-artifact": "upload-pages-artifact",
    "actions/deploy-pages": "deploy-pages",
}


@dataclass(frozen=True, order=True)
class ActionRef:
    """One `uses: owner/repo[/path]@ref` found in a workflow or action file."""

    repo: str
    path: str
    ref: str

    @classmethod
    def parse(cls, uses: str) -> ActionRef | None:
        """None for local (`./...`) and docker (`docker://...`) references."""
        if uses.startswith(("./", "docker://")) or "@" not in uses:
            return None
        name, ref = uses.rsplit("@", 1)
        owner, repo, *path = name.split("/")
        return cls(f"{owner}/{repo}", "/".join(path), ref)


def _uses_values(node: Any) -> Iterator[str]:
    """Every `uses:` value in a parsed workflow or action.yml, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                yield value
            else:
                yield from _uses_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uses_values(item)


def action_refs(*files: Path) -> set[ActionRef]:
    """Remote references in the given YAML files (parsed, so comments never count)."""
    refs = set()
    for path in files:
        for uses in _uses_values(yaml.safe_load(path.read_text(encoding="utf-8"))):
            ref = ActionRef.parse(uses)
            if ref is not None:
                refs.add(ref)
    return refs


def reachable_refs(callers: list[Path], central: Path, central_slug: str) -> set[ActionRef]:
    """Remote references a run can meet: the callers' own, then those of every central file they reach.

    Central files nobody calls (the central repo's own CI, its release workflow)
    are not followed, so their third-party actions need no double.
    """
    refs: set[ActionRef] = set()
    todo, seen = list(callers), set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for ref in action_refs(path):
            refs.add(ref)
            if ref.repo == central_slug:
                target = central / ref.path
                todo += (
                    [target]
                    if target.suffix in (".yml", ".yaml")
                    else [target / "action.yml", target / "action.yaml"]
                )
    return refs


def local_repositories(
    callers: list[Path], central: Path, central_slug: str, central_refs: tuple[str, ...]
) -> list[str]:
    """`--local-repository` values: the central repo at its refs, every pinned third party at its double.

    An action without a double, or a central ref other than `central_refs`, is an
    error here, rather than act trying (and failing) to reach github.com in the
    middle of a run.
    """
    mappings = {f"{central_slug}@{ref}={central}" for ref in central_refs}
    unknown = []
    for ref in sorted(reachable_refs(callers, central, central_slug)):
        if ref.repo == central_slug:
            if ref.ref not in central_refs:
                unknown.append(f"{ref.repo}@{ref.ref} (central, expected one of {central_refs})")
        elif ref.repo not in DOUBLES:
            unknown.append(f"{ref.repo}@{ref.ref} (no test double in {DOUBLES_DIR})")
        elif (double := DOUBLES[ref.repo]) is not None:
            mappings.add(f"{ref.repo}@{ref.ref}={DOUBLES_DIR / double}")
    if unknown:
        raise RuntimeError("act cannot resolve offline: " + "; ".join(unknown))
    return sorted(mappings)
