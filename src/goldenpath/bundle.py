"""The one reader of a Databricks bundle: `databricks.yml` and the files its `include:` names.

check-repo (a checkout), the Databricks commands (a checkout) and the fleet
(files read through the GitHub API) all judge the same files the way the
Databricks CLI loads them:

- the root file is the first of `databricks.yml`, `databricks.yaml`,
  `bundle.yml`, `bundle.yaml`;
- each `include:` entry is a path relative to the root, where `*`, `?` and
  `[...]` match within one path segment (Go's `filepath.Glob`: `**` is no
  deeper than `*`); an entry without a wildcard must name a file;
- the matches of each entry load in sorted order, entries in the order given,
  and a file matched twice (or the root itself) loads once;
- a target's settings are merged over the top level: mappings key by key,
  scalars replaced, sequences appended, and a job's `tasks`, `job_clusters`
  and `parameters` then merged by their `task_key`, `job_cluster_key`, `name`.

`read_bundle(files)` takes a mapping of repo-relative path to text, so it
needs no disk; `checkout_files(root)` reads exactly those files from one.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

ROOT_FILES = ("databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml")
BUNDLE_FILE = ROOT_FILES[0]
YAML_SUFFIXES = (".yml", ".yaml")
WILDCARDS = frozenset("*?[")
# Sequences of a job the CLI merges element by element after a target override, by this key.
KEYED_SEQUENCES = {"tasks": "task_key", "job_clusters": "job_cluster_key", "parameters": "name"}
# A job's health metric for how long a run takes, and the events that tell its team (Jobs API).
DURATION_METRIC = "RUN_DURATION_SECONDS"
JOB_EVENTS = ("on_failure", "on_duration_warning_threshold_exceeded")
# Where a key is written needs only the node tree: libyaml's, when PyYAML has it, is many times faster
# (the fleet asks for lines in thousands of bundles).
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlFile:
    """A YAML file (of the bundle, or beside it): its text, its data (a mapping, else empty), and lines."""

    path: str
    text: str
    data: dict[str, Any]

    @classmethod
    def parse(cls, path: str, text: str, problems: list[str] | None = None) -> YamlFile:
        """`text` parsed; invalid YAML is an empty mapping, with the reason added to `problems`."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            if problems is not None:
                problems.append(f"{path} is not valid YAML: {exc}")
            data = None
        return cls(path, text, data if isinstance(data, dict) else {})

    def get(self, *keys: str) -> Any:
        """The value at `keys` (None when any is missing)."""
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def line(self, *keys: str) -> int:
        """1-based line of the value at `keys`, or of the deepest key that exists."""
        node, line = self._node, 1
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            match = next(((k, v) for k, v in node.value if k.value == key), None)
            if match is None:
                break
            node, line = match[1], match[1].start_mark.line + 1
        return line

    @cached_property
    def _node(self) -> yaml.Node | None:
        try:
            return yaml.compose(self.text, Loader=_COMPOSER)
        except yaml.YAMLError:
            return None


@dataclass(frozen=True)
class Target:
    """One target as the CLI deploys it: the top level with the target's settings merged over it."""

    name: str
    config: dict[str, Any]  # the merged configuration (bundle, workspace, variables, resources, ...)
    variables: dict[str, str]  # var name -> value as written: the target's override, else the default

    @property
    def host(self) -> str | None:
        host = (self.config.get("workspace") or {}).get("host")
        return str(host) if host else None

    @property
    def development(self) -> bool:
        return self.config.get("mode") == "development"

    @property
    def run_as(self) -> dict[str, Any]:
        run_as = self.config.get("run_as")
        return run_as if isinstance(run_as, dict) else {}

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of one kind (`jobs`, `model_serving_endpoints`) this target deploys, by key."""
        found = (self.config.get("resources") or {}).get(kind) or {}
        return {str(key): body for key, body in found.items() if isinstance(body, dict)}


@dataclass(frozen=True)
class Bundle:
    """The files the CLI loads, in its order (the root first), and what could not be read."""

    files: tuple[YamlFile, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def root(self) -> YamlFile:
        return self.files[0]

    @property
    def name(self) -> str:
        return str(self.root.get("bundle", "name") or "")

    @property
    def targets(self) -> dict[str, dict[str, Any]]:
        """Each target's own settings as written (any file may declare targets), in file order."""
        found: dict[str, dict[str, Any]] = {}
        for file in self.files:
            for name, body in (file.get("targets") or {}).items():
                found[str(name)] = _merge(found.get(str(name), {}), body if isinstance(body, dict) else {})
        return found

    @property
    def default_target(self) -> str | None:
        return next((name for name, body in self.targets.items() if body.get("default")), None)

    @property
    def jobs(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Every job at the top level by key, with the file that declares it."""
        return {key: (file.path, body) for key, (file, body) in self.declared("jobs").items()}

    def declared(self, kind: str) -> dict[str, tuple[YamlFile, dict[str, Any]]]:
        """Every top-level resource of one kind by key, with the file that declares it."""
        found: dict[str, tuple[YamlFile, dict[str, Any]]] = {}
        for file in self.files:
            for key, body in (file.get("resources", kind) or {}).items():
                if isinstance(body, dict):
                    found.setdefault(str(key), (file, body))
        return found

    def target(self, name: str) -> Target:
        """The target `name` merged over the top level (a `KeyError` when there is no such target)."""
        overrides = self.targets[name]
        top: dict[str, Any] = {}
        for file in self.files:
            top = _merge(top, {key: value for key, value in file.data.items() if key != "targets"})
        config = copy.deepcopy(
            _merge(top, {key: value for key, value in overrides.items() if key != "variables"})
        )
        for job in ((config.get("resources") or {}).get("jobs") or {}).values():
            if isinstance(job, dict):
                for sequence, key in KEYED_SEQUENCES.items():
                    if isinstance(job.get(sequence), list):
                        job[sequence] = _merge_by_key(job[sequence], key)
        return Target(name, config, _variables(top, overrides))


def read_bundle(files: Mapping[str, str]) -> Bundle | None:
    """The bundle among `files` (repo-relative path -> text); None when there is no root file."""
    root = next((name for name in ROOT_FILES if name in files), None)
    if root is None:
        return None
    problems: list[str] = []
    root_file = YamlFile.parse(root, files[root], problems)
    paths, missing = included_paths(root_file.get("include"), files, root)
    problems += missing
    included = [YamlFile.parse(path, files[path], problems) for path in paths]
    return Bundle((root_file, *included), tuple(problems))


def included_paths(
    include: Any, paths: Iterable[str], root: str = BUNDLE_FILE
) -> tuple[list[str], list[str]]:
    """The paths among `paths` the `include:` entries load, in the CLI's order, and the entries that fail."""
    available = sorted(set(paths))
    seen = {root}
    loaded: list[str] = []
    problems: list[str] = []
    for entry in include if isinstance(include, list) else []:
        pattern = posixpath.normpath(str(entry))
        if posixpath.isabs(pattern) or pattern.startswith("../"):
            problems.append(f"{root}: include {entry!r} must be a path inside the bundle")
            continue
        matches = [path for path in available if glob_match(pattern, path)]
        if not matches and not WILDCARDS & set(pattern):
            problems.append(f"{root}: include {entry!r} does not match any file")
        for path in matches:
            if path in seen:
                continue
            seen.add(path)
            if path.endswith(YAML_SUFFIXES):
                loaded.append(path)
            else:
                problems.append(f"{path}: included by {entry!r}, but only YAML files can be included")
    return loaded, problems


def glob_match(pattern: str, path: str) -> bool:
    """Whether `path` matches `pattern` segment by segment, as Go's `filepath.Match` does."""
    parts, names = pattern.split("/"), path.split("/")
    return len(parts) == len(names) and all(
        _segment(part).fullmatch(name) for part, name in zip(parts, names, strict=True)
    )


def checkout_files(root: Path) -> dict[str, str]:
    """The root file of the bundle in `root` and every file its includes match, read from disk."""
    found = {
        name: (root / name).read_text(encoding="utf-8") for name in ROOT_FILES if (root / name).is_file()
    }
    if not found:
        return {}
    name = next(iter(found))
    try:
        include = (yaml.safe_load(found[name]) or {}).get("include")
    except (yaml.YAMLError, AttributeError):
        return found
    for entry in include if isinstance(include, list) else []:
        for path in _walk(root, posixpath.normpath(str(entry)).split("/")):
            found.setdefault(path, (root / path).read_text(encoding="utf-8", errors="replace"))
    return found


def line_of(text: str, needle: str) -> int | None:
    """First line (1-based) containing `needle`: evidence points people at it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def task_parameters(job: dict[str, Any]) -> list[str]:
    """Every parameter of every task, whatever the task type."""
    found: list[str] = []
    for task in job.get("tasks") or []:
        if not isinstance(task, dict):
            continue
        for key, spec in task.items():
            if key.endswith("_task") and isinstance(spec, dict):
                parameters = spec.get("parameters") or spec.get("base_parameters") or []
                values = parameters.values() if isinstance(parameters, dict) else parameters
                found += [str(value) for value in values]
    return found


def flag_value(parameters: list[Any], flag: str) -> str | None:
    """The value after `flag` in a task's parameters, if the flag is there."""
    values = [str(p) for p in parameters]
    return values[values.index(flag) + 1] if flag in values[:-1] else None


def _segment(pattern: str) -> re.Pattern[str]:
    """One path segment of a Go glob as a regex: `*`, `?`, `[...]` (`^` negates), `\\` escapes."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{body.replace(chr(92), chr(92) * 2)}]")
            index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))


def _walk(root: Path, parts: list[str], prefix: str = "") -> list[str]:
    """Files under `root` whose relative path matches the glob `parts`, one directory level at a time."""
    if not parts or parts[0] in ("", ".."):
        return []
    here = root / prefix if prefix else root
    head, rest = parts[0], parts[1:]
    if WILDCARDS & set(head):
        names = sorted(p.name for p in here.iterdir()) if here.is_dir() else []
        names = [name for name in names if _segment(head).fullmatch(name)]
    else:
        names = [head] if (here / head).exists() else []
    found = []
    for name in names:
        path = f"{prefix}/{name}" if prefix else name
        if rest:
            found += _walk(root, rest, path)
        elif (root / path).is_file():
            found.append(path)
    return found


def _merge(base: Any, override: Any) -> Any:
    """The CLI's merge of a target over the top level: mappings by key, sequences appended, else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return [*base, *override]
    return override


def _merge_by_key(items: list[Any], key: str) -> list[Any]:
    """Elements with the same `key` merged into the first of them (a target overriding one task)."""
    merged: list[Any] = []
    index: dict[Any, int] = {}
    for item in items:
        if isinstance(item, dict) and item.get(key) in index:
            position = index[item[key]]
            merged[position] = _merge(merged[position], item)
        else:
            if isinstance(item, dict) and key in item:
                index[item[key]] = len(merged)
            merged.append(item)
    return merged


def _variables(top: dict[str, Any], overrides: dict[str, Any]) -> dict[str, str]:
    """Each variable's value for the target: its override (`name: value` or `{default: value}`), else its default."""
    values: dict[str, str] = {}
    target_values = overrides.get("variables") or {}
    for name, spec in (top.get("variables") or {}).items():
        value = spec.get("default") if isinstance(spec, dict) else spec
        if name in target_values:
            override = target_values[name]
            value = override.get("default") if isinstance(override, dict) else override
        if value is not None:
            values[str(name)] = str(value)
    return values
