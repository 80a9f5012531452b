"""Run the fleet scan: discover repos, read each one concurrently (capped), judge, report.

A repo that fails (an outage, a refused call) becomes a row with `error` set
and every verdict unknown; the scan itself goes on. githubkit retries rate
limits at the time GitHub names (`retry-after`, `x-ratelimit-reset`) and 5xx
once (goldenpath.github.client).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from githubkit.exception import RequestFailed

from goldenpath.fleet.discovery import DEFAULT_TOPIC, answers_of, has_topic, names_central
from goldenpath.fleet.facts import ANSWERS_FILE, FleetApi, RepoFacts
from goldenpath.fleet.model import FleetReport, RepoReport
from goldenpath.fleet.statements import MANUAL, STATEMENTS, Subject, assess, unknown_for_all
from goldenpath.fleet.versions import central_releases, template_drift
from goldenpath.fleet.workflows import TEST, central_calls, is_workflow, usage
from goldenpath.settings import Settings

Progress = Callable[[int, int, str], None]


def scan_fleet(
    api: FleetApi,
    settings: Settings,
    *,
    org: str | None = None,
    topic: str = DEFAULT_TOPIC,
    concurrency: int,
    progress: Progress | None = None,
) -> FleetReport:
    org = org or settings.org
    with api.gh:  # one connection pool for the fleet-wide reads
        releases = central_releases(api.tag_names(settings.org, settings.central_repo))
        candidates = [
            repo
            for repo in api.org_repos(org)
            if repo.get("full_name", "").lower() != settings.central_slug.lower()
        ]
    rows: list[RepoReport] = []
    work: queue.Queue[dict[str, Any]] = queue.Queue()
    for repo in candidates:
        work.put(repo)
    done: queue.Queue[RepoReport | None] = queue.Queue()

    def worker() -> None:
        # githubkit keeps its client per context: each worker opens one and reuses
        # its connections for every repo it scans (a new client per call costs ~0.2 s).
        with api.gh:
            while True:
                try:
                    repo = work.get_nowait()
                except queue.Empty:
                    return
                done.put(_scan_one(api, repo, org, topic, settings, releases))

    workers = [
        threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(concurrency, len(candidates))))
    ]
    for thread in workers:
        thread.start()
    for finished in range(1, len(candidates) + 1):
        row = done.get()
        if row is not None:
            rows.append(row)
        if progress:
            progress(finished, len(candidates), row.full_name if row else "")
    for thread in workers:
        thread.join()
    rows.sort(key=lambda row: row.full_name.lower())
    return FleetReport(
        org=org,
        topic=topic,
        central=settings.central_slug,
        release_line=settings.release_line,
        central_releases=releases,
        generated_at=(api.now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        statements=[statement.info for statement in STATEMENTS],
        manual_statements=list(MANUAL),
        repos=rows,
    )


def _scan_one(
    api: FleetApi, repo: dict[str, Any], org: str, topic: str, settings: Settings, releases: list[str]
) -> RepoReport | None:
    """The repo's row, or None when it is not part of the fleet."""
    owner, name = repo["full_name"].split("/", 1)
    row = RepoReport(
        name=name,
        full_name=repo["full_name"],
        url=repo.get("html_url") or "",
        default_branch=repo.get("default_branch") or "main",
        discovered_by=["topic"] if has_topic(repo, topic) else [],
        archived=bool(repo.get("archived")),
    )
    try:
        if not row.discovered_by:
            text = api.file_text(
                owner,
                name,
                ANSWERS_FILE,
                row.default_branch,
                api.known_sha(row.full_name, ANSWERS_FILE, repo),
            )
            if not names_central(answers_of(text), settings.central_slug):
                return None
        facts = api.repo_facts(repo, org)
        _judge(api, row, facts, settings, releases)
    except Exception as exc:  # any failure is this repo's row, never the end of the scan
        row.error = _describe(exc)
        row.maturity = unknown_for_all(f"not scanned: {row.error}")
    return row


def _judge(api: FleetApi, row: RepoReport, facts: RepoFacts, settings: Settings, releases: list[str]) -> None:
    answers = answers_of(facts.files.get(ANSWERS_FILE))
    if names_central(answers, settings.central_slug) and "copier-answers" not in row.discovered_by:
        row.discovered_by.append("copier-answers")
    commit = answers.get("_commit")
    row.template = template_drift(str(commit) if commit else None, releases, settings.release_line)
    if ANSWERS_FILE not in facts.files:
        row.template = replace(row.template, reason=f"no {ANSWERS_FILE} on the default branch")
    calls = [
        call
        for path, text in sorted(facts.files.items())
        if is_workflow(path)
        for call in central_calls(path, text, settings.central_slug, facts.blob_url())
    ]
    row.workflows = usage(calls)
    row.update_pr = facts.update_pr
    ci = next((c for c in calls if c.use.workflow == TEST and c.triggers & {"push", "pull_request"}), None)
    if ci is not None:
        owner, name = row.full_name.split("/", 1)
        workflow_file = ci.use.file.rsplit("/", 1)[-1]
        row.ci = api.last_ci_run(owner, name, workflow_file, row.default_branch)
    row.maturity = assess(Subject.of(facts, calls))


def _describe(exc: Exception) -> str:
    if isinstance(exc, RequestFailed):
        request = exc.response.raw_request
        path = request.url.path
        message = ""
        try:
            body = exc.response.json()
            message = str(body.get("message", "")) if isinstance(body, dict) else ""
        except ValueError:
            message = exc.response.text[:200]
        return f"{request.method} {path}: HTTP {exc.response.status_code} {message}".strip()
    return f"{type(exc).__name__}: {exc}"
