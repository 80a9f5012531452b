"""The markdown view, for `$GITHUB_STEP_SUMMARY` and issues: totals first, then every repo."""

from __future__ import annotations

from goldenpath.fleet.cells import MARK, ci_cell, number_ranges, pr_cell, template_cell, workflows_cell
from goldenpath.fleet.model import FleetReport


def markdown(report: FleetReport) -> str:
    summary = report.summary()
    lines = [
        f"# Fleet report: {report.org}",
        "",
        f"{summary['repos']} repos (topic `{report.topic}` or a `.copier-answers.yml` naming `{report.central}`), "
        f"scanned {report.generated_at}. Newest release of `{report.release_line}`: `{report.newest_release or 'none'}`. "
        f"{summary['errors']} could not be scanned; {summary['open_update_prs']} have an open update PR.",
        "",
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
        "## Repos",
        "",
        "| repo | template | workflows | update PR | CI | "
        + " | ".join(info.id for info in report.statements)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(report.statements),
    ]
    for repo in report.repos:
        marks = [
            MARK[repo.maturity[info.id].result] if info.id in repo.maturity else "?"
            for info in report.statements
        ]
        name = f"[{repo.name}]({repo.url})" if repo.url else repo.name
        status = f"error: {_escape(repo.error)}" if repo.error else template_cell(repo)
        lines.append(
            f"| {name} | {status} | {workflows_cell(repo)} | {pr_cell(repo)} | {ci_cell(repo)} | "
            + " | ".join(marks)
            + " |"
        )
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
