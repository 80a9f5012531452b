"""Run the fleet scan: discover repos, read each one concurrently (capped and paced), judge, report.

A repo that fails (an outage, a refused call) becomes a row with `error` set
and every verdict unknown; the scan itself goes on. The `Budget` starts a repo
only when its calls fit what the rate limit has left; when they no longer fit
and the reset is too far, the repos not started are named in `scan.not_scanned`
and the report says it is incomplete. githubkit retries a rate limit at the
time GitHub names and a 5xx once (goldenpath.github.client).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from githubkit.exception import RequestFailed

from goldenpath.fleet.budget import Budget
from goldenpath.fleet.discovery import DEFAULT_TOPIC, answers_of, has_topic, names_central
from goldenpath.fleet.facts import ANSWERS_FILE, BranchGone, FleetApi, RepoFacts
from goldenpath.fleet.model import FleetReport, RateLimit, RepoReport, ScanInfo
from goldenpath.fleet.owners import owner_of
from goldenpath.fleet.release_line import ReleaseLine
from goldenpath.fleet.shards import WHOLE, Shard
from goldenpath.fleet.statements import MANUAL, MANUAL_WHY, STATEMENTS, Subject, assess, unknown_for_all
from goldenpath.fleet.versions import template_drift
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
    shard: Shard = WHOLE,
    budget: Budget | None = None,
) -> FleetReport:
    org = org or settings.org
    budget = budget or Budget(api.meter)
    with api.gh:  # one connection pool for the fleet-wide reads
        line = ReleaseLine.of(settings.release_line, api.tag_names(settings.org, settings.central_repo))
        candidates = [
            repo
            for repo in api.org_repos(org)
            if repo.get("full_name", "").lower() != settings.central_slug.lower()
            and shard.holds(repo.get("full_name", ""))
        ]
    rows: list[RepoReport] = []
    not_scanned: list[str] = []
    work: queue.Queue[dict[str, Any]] = queue.Queue()
    for repo in candidates:
        work.put(repo)
    done: queue.Queue[RepoReport | str | None] = queue.Queue()

    def worker() -> None:
        # githubkit keeps its client per context: each worker opens one and reuses
        # its connections for every repo it scans (a new client per call costs ~0.2 s).
        with api.gh:
            while True:
                try:
                    repo = work.get_nowait()
                except queue.Empty:
                    return
                if not budget.admit():
                    done.put(str(repo["full_name"]))
                    continue
                try:
                    done.put(_scan_one(api, repo, org, topic, settings, line))
                finally:
                    budget.release()

    workers = [
        threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(concurrency, len(candidates))))
    ]
    for thread in workers:
        thread.start()
    for finished in range(1, len(candidates) + 1):
        row = done.get()
        if isinstance(row, RepoReport):
            rows.append(row)
        elif isinstance(row, str):
            not_scanned.append(row)
        if progress:
            progress(finished, len(candidates), row.full_name if isinstance(row, RepoReport) else "")
    for thread in workers:
        thread.join()
    rows.sort(key=lambda row: row.full_name.lower())
    return FleetReport(
        org=org,
        topic=topic,
        central=settings.central_slug,
        release_line=settings.release_line,
        central_releases=list(line.releases),
        generated_at=(api.now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        statements=[statement.info for statement in STATEMENTS],
        manual_statements=list(MANUAL),
        manual_why=dict(MANUAL_WHY),
        repos=rows,
        scan=_scan_info(api, shard, sorted(not_scanned, key=str.lower), budget),
    )


def _scan_info(api: FleetApi, shard: Shard, not_scanned: list[str], budget: Budget) -> ScanInfo:
    rate = api.meter.rate
    return ScanInfo(
        shards=[shard.spec],
        complete=not not_scanned,
        not_scanned=not_scanned,
        calls=api.meter.calls,
        not_modified=api.meter.not_modified,
        rate_limit=(
            RateLimit(
                rate.limit,
                rate.remaining,
                rate.used,
                datetime.fromtimestamp(rate.reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            if rate
            else None
        ),
        stopped=budget.stopped,
    )


def _scan_one(
    api: FleetApi, repo: dict[str, Any], org: str, topic: str, settings: Settings, line: ReleaseLine
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
            if api.known_outsider(repo):
                return None
            text = api.file_text(
                owner,
                name,
                ANSWERS_FILE,
                row.default_branch,
                api.known_sha(row.full_name, ANSWERS_FILE, repo),
            )
            if not names_central(answers_of(text), settings.central_slug):
                api.remember_outsider(repo)
                return None
        facts = api.repo_facts(repo, org)
        _judge(api, row, facts, settings, line)
    except Exception as exc:  # any failure is this repo's row, never the end of the scan
        row.error = _describe(exc)
        row.maturity = unknown_for_all(f"not scanned: {row.error}")
    return row


def _judge(api: FleetApi, row: RepoReport, facts: RepoFacts, settings: Settings, line: ReleaseLine) -> None:
    answers = answers_of(facts.files.get(ANSWERS_FILE))
    if names_central(answers, settings.central_slug) and "copier-answers" not in row.discovered_by:
        row.discovered_by.append("copier-answers")
    commit = answers.get("_commit")
    row.template = template_drift(str(commit) if commit else None, line)
    if ANSWERS_FILE not in facts.files:
        why = (
            "the repository is empty (no commit yet)"
            if facts.empty
            else f"no {ANSWERS_FILE} on the default branch"
        )
        row.template = replace(row.template, reason=why)
    row.owner = owner_of(facts, answers)
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
    row.maturity = assess(Subject.of(facts, calls, settings))


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
    if isinstance(exc, BranchGone):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
