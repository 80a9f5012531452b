"""The markdown view, for `$GITHUB_STEP_SUMMARY` and issues: totals and the scorecard first, then every repo."""

from __future__ import annotations

from goldenpath.fleet.cells import (
    MARK,
    ci_cell,
    level_cell,
    newer_major_note,
    number_ranges,
    owner_cell,
    pr_cell,
    scan_cost,
    template_cell,
    workflows_cell,
)
from goldenpath.fleet.model import FleetReport
from goldenpath.fleet.scorecard import Scorecard

# GitHub refuses a job summary over 1 MiB: the repo table is cut to fit, the full one is in the artifact.
STEP_SUMMARY_LIMIT = 900_000


def markdown(report: FleetReport, card: Scorecard, *, limit: int | None = None) -> str:
    """The whole markdown; with `limit` (bytes), the repo table is cut so that the text fits."""
    head = "\n".join(_head(report, card)) + "\n"
    table = _repo_table(report, card)
    if limit is not None and len((head + "\n".join(table)).encode()) > limit:
        room = limit - len(head.encode()) - 200
        kept, size = [], 0
        for line in table:
            size += len(line.encode()) + 1
            if size > room:
                break
            kept.append(line)
        shown = max(len(kept) - 2, 0)
        table = [
            *kept,
            "",
            f"Showing {shown} of {len(report.repos)} repos; the full table is in the report's markdown file.",
        ]
    return head + "\n".join(table) + "\n"


def _head(report: FleetReport, card: Scorecard) -> list[str]:
    summary = report.summary()
    lines = [
        f"# Fleet report: {report.org}",
        "",
        f"{summary['repos']} repos (topic `{report.topic}` or a `.copier-answers.yml` naming `{report.central}`), "
        f"scanned {report.generated_at}. Newest release of `{report.release_line}`: `{report.newest_release or 'none'}`. "
        f"{summary['errors']} could not be scanned; {summary['open_update_prs']} have an open update PR."
        + (f" {note}." if (note := newer_major_note(report)) else ""),
        "",
        f"**Scan:** {scan_cost(report)}.",
        "",
    ]
    scan = report.scan
    if not scan.complete:
        named = ", ".join(f"`{name}`" for name in scan.not_scanned[:50])
        more = f" and {len(scan.not_scanned) - 50} more" if len(scan.not_scanned) > 50 else ""
        lines += [
            f"> **Partial report.** {len(scan.not_scanned)} repo(s) not scanned"
            + (f"; shard(s) {', '.join(scan.missing_shards)} missing" if scan.missing_shards else "")
            + (f" ({scan.stopped})" if scan.stopped else "")
            + (f": {named}{more}." if named else "."),
            "",
        ]
    lines += _scorecard(report, card)
    lines += [
        "## Template versions",
        "",
        "| version | repos |",
        "|---|---:|",
        *(f"| `{version}` | {count} |" for version, count in summary["template_versions"].items()),
        "",
        "## Maturity statements (automated)",
        "",
        "| statement | what is checked | repos passing |",
        "|---|---|---:|",
        *(
            f"| {info.id} {info.title} | {info.checks} | {summary['statement_pass_counts'][info.id]} |"
            for info in report.statements
        ),
        "",
        f"Statements {number_ranges(report.manual_statements)} of the assessment need people to answer them; "
        "the scan does not guess. A repo is MLOps mature only when all of 1-46 hold.",
        "",
        *(f"- {number} needs people: {why}." for number, why in sorted(report.manual_why.items())),
        *([""] if report.manual_why else []),
    ]
    return lines


def _scorecard(report: FleetReport, card: Scorecard) -> list[str]:
    counts = card.level_counts
    lines = ["## Levels", "", "| level | adds | repos |", "|---|---|---:|", f"| none | | {counts['none']} |"]
    for level in card.levels:
        adds = ", ".join(
            r.id + (f" {r.title}" if r.title else " (not checked by the scan)") for r in level.requirements
        )
        lines.append(f"| {level.name} | {adds} | {counts[level.name]} |")
    lines.append("")
    if card.with_history:
        lines += ["## Trends", ""]
        if card.previous is None:
            lines += ["No earlier report to compare with yet.", ""]
        else:
            passing, failing = card.newly("newly_passing"), card.newly("newly_failing")
            lines += [
                f"Since the report of {card.previous}: "
                f"{sum(passing.values())} statement(s) newly pass, {sum(failing.values())} newly fail.",
                "",
                "| statement | newly passing | newly failing | repos passing, oldest report first |",
                "|---|---:|---:|---|",
                *(
                    f"| {info.id} {info.title} | {passing.get(info.id, 0)} | {failing.get(info.id, 0)} | "
                    + " → ".join(
                        str(point.statement_pass_counts.get(info.id, 0)) for point in card.points[-8:]
                    )
                    + " |"
                    for info in report.statements
                ),
                "",
            ]
    if card.campaigns:
        lines += ["## Campaigns", ""]
        for progress in card.campaigns:
            now = progress.now
            lines += [
                f"### {progress.campaign.name}",
                "",
                f"Goal: {progress.campaign.goal.describe()}; {progress.due_text()}. "
                f"{now.passing} of {now.total} repos meet it; {progress.since_start_text()}.",
                "",
            ]
            if progress.failing:
                lines += ["| repo | owner | still lacks |", "|---|---|---|"]
                lines += [
                    f"| [{repo.full_name.split('/', 1)[-1]}]({repo.url}) | {repo.owner.name if repo.owner else '-'} | "
                    f"{_escape('; '.join(repo.lacks))} |"
                    for repo in progress.failing[:20]
                ]
                if len(progress.failing) > 20:
                    lines.append(f"| … {len(progress.failing) - 20} more | | |")
                lines.append("")
    return lines


def _repo_table(report: FleetReport, card: Scorecard) -> list[str]:
    lines = [
        "## Repos",
        "",
        "| repo | owner | level | template | workflows | update PR | CI | "
        + " | ".join(info.id for info in report.statements)
        + " |",
        "|---|---|---|---|---|---|---|" + "---|" * len(report.statements),
    ]
    for repo in report.repos:
        marks = [
            MARK[repo.maturity[info.id].result] if info.id in repo.maturity else "?"
            for info in report.statements
        ]
        name = f"[{repo.name}]({repo.url})" if repo.url else repo.name
        status = f"error: {_escape(repo.error)}" if repo.error else template_cell(repo)
        lines.append(
            f"| {name} | {owner_cell(repo)} | {_escape(level_cell(card, repo))} | {status} | {workflows_cell(repo)} | "
            f"{pr_cell(repo)} | {ci_cell(repo)} | " + " | ".join(marks) + " |"
        )
    return lines


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
