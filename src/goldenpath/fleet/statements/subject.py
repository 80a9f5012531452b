"""What the statements look at for one repo (`Subject`), and the helpers every section shares.

A statement is one function from a `Subject` to a `Verdict` (pass, fail or
unknown, with evidence), registered with its assessment numbers by `statement`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from goldenpath.bundle import Bundle, read_bundle
from goldenpath.fleet.discovery import answers_of
from goldenpath.fleet.facts import ANSWERS_FILE, RepoFacts
from goldenpath.fleet.model import Evidence, StatementInfo, Verdict
from goldenpath.fleet.workflows import CentralCall
from goldenpath.naming import DerivedNames, derive_names
from goldenpath.settings import SERVING_KIND, Settings


@dataclass(frozen=True)
class Subject:
    """Everything the statements look at for one repo."""

    facts: RepoFacts
    calls: list[CentralCall]
    bundle: Bundle | None
    repo_name: str  # the answers' repo_name (what the template derived every name from), else the repo's
    names: DerivedNames | None  # None when `repo_name` is not a name goldenpath derives names from
    serving: bool  # the serving kind: the answers' project_kind, else a declared serving endpoint

    @classmethod
    def of(cls, facts: RepoFacts, calls: list[CentralCall], settings: Settings) -> Subject:
        bundle = _bundle(tuple(sorted(facts.files.items())))
        answers = answers_of(facts.files.get(ANSWERS_FILE))
        kind = answers.get("project_kind")
        serving = (
            kind == SERVING_KIND if kind else bool(bundle and bundle.declared("model_serving_endpoints"))
        )
        repo_name = str(answers.get("repo_name") or facts.full_name.rsplit("/", 1)[-1])
        try:
            names: DerivedNames | None = derive_names(repo_name, settings)
        except ValueError:
            names = None
        return cls(facts, calls, bundle, repo_name, names, serving)


Check = Callable[[Subject], Verdict]


@dataclass(frozen=True)
class Statement:
    info: StatementInfo
    check: Check


def statement(numbers: tuple[int, ...], title: str, check: Check) -> Statement:
    """A statement of the assessment; what passes is the check's docstring after its numbers."""
    doc = " ".join((check.__doc__ or "").split(":", 1)[-1].split())
    return Statement(StatementInfo("/".join(map(str, numbers)), numbers, title, doc), check)


@functools.lru_cache(maxsize=256)
def _bundle(files: tuple[tuple[str, str], ...]) -> Bundle | None:
    """The bundle of these exact files, read once per scan however many repos hold them (shared: read only)."""
    return read_bundle(dict(files))


def passing(reason: str, *evidence: Evidence) -> Verdict:
    return Verdict("pass", reason, evidence)


def failing(reason: str, *evidence: Evidence) -> Verdict:
    return Verdict("fail", reason, evidence)


def tree_evidence(s: Subject, path: str) -> Evidence:
    return Evidence("tree", path, "present in the default branch", f"{s.facts.blob_url()}/{path}")


def call_evidence(call: CentralCall, detail: str) -> Evidence:
    use = call.use
    return Evidence("file", f"{use.file}:{use.line}", detail, use.url)


def valid_bundle(s: Subject) -> Bundle | Verdict:
    """The bundle, or the failing verdict of a repo without one or with one the CLI could not load."""
    if s.bundle is None:
        return failing("no databricks.yml")
    if s.bundle.problems:
        return failing(s.bundle.problems[0], s.facts.file_evidence(s.bundle.root.path))
    return s.bundle


def bundle_jobs(s: Subject) -> dict[str, tuple[str, dict[str, Any]]] | Verdict:
    """The bundle's jobs, or the failing verdict of a repo without a valid bundle or without jobs."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    if not bundle.jobs:
        return failing("the bundle defines no job", s.facts.file_evidence(bundle.root.path))
    return bundle.jobs


def job_tags(job: dict[str, Any]) -> dict[str, Any]:
    tags = job.get("tags")
    return tags if isinstance(tags, dict) else {}
