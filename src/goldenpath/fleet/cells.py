"""Short texts for one repo's columns, shared by the terminal, markdown and HTML renderers."""

from __future__ import annotations

from goldenpath.fleet.model import FleetReport, RepoReport
from goldenpath.fleet.scorecard import Scorecard

MARK = {"pass": "✓", "fail": "✗", "unknown": "?"}


def template_cell(repo: RepoReport) -> str:
    drift = repo.template
    if drift.status == "behind":
        return f"{drift.version} ({drift.behind} behind)"
    if drift.status == "unsupported-major":
        return f"{drift.version} (unsupported major)"
    return drift.version or "unknown"


def workflows_cell(repo: RepoReport) -> str:
    usage = repo.workflows
    text = usage.status
    refs = sorted({use.ref for use in usage.uses})
    if refs and usage.status != "following":
        text += " @" + ",".join(ref[:12] for ref in refs)
    if usage.missing and usage.status not in ("off-road", "unknown"):
        text += f" (missing {len(usage.missing)})"
    return text


def pr_cell(repo: RepoReport) -> str:
    return f"#{repo.update_pr.number} ({repo.update_pr.age_days} d)" if repo.update_pr else "-"


def ci_cell(repo: RepoReport) -> str:
    if repo.ci is None:
        return "-"
    return repo.ci.conclusion or repo.ci.status


def maturity_cell(repo: RepoReport) -> str:
    results = [verdict.result for verdict in repo.maturity.values()]
    return f"{results.count('pass')}/{len(results)}" if results else "-"


def number_ranges(numbers: list[int]) -> str:
    """1-9, 15, 23-24 style ranges."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][-1] + 1:
            spans[-1].append(number)
        else:
            spans.append([number])
    return ", ".join(f"{span[0]}-{span[-1]}" if len(span) > 1 else str(span[0]) for span in spans)


def newer_major_note(report: FleetReport) -> str | None:
    """The labelled fact of a newer major: never mixed into "newest" or "current"."""
    newer = report.line.newer_major
    if newer is None:
        return None
    return f"{newer} is out (a new major); repos move with `goldenpath update --to {newer}`"


def owner_cell(repo: RepoReport) -> str:
    return repo.owner.name if repo.owner else "-"


def level_cell(card: Scorecard, repo: RepoReport) -> str:
    """`Silver (Gold lacks 39, 40)`: the level reached and what the next one still needs."""
    level = card.repo_levels.get(repo.full_name)
    if level is None:
        return "-"
    if level.next is None:
        return level.name
    return f"{level.name} ({level.next} lacks {', '.join(lack.id for lack in level.lacks)})"


def scan_cost(report: FleetReport) -> str:
    """Calls made, 304s, and the budget, in one line."""
    scan = report.scan
    text = (
        f"{scan.calls} API calls, {scan.not_modified} answered 304 Not Modified (free), "
        f"{scan.rate_limited_calls} counted against the rate limit"
    )
    if scan.rate_limit:
        rate = scan.rate_limit
        text += f"; {rate.remaining} of {rate.limit} left until {rate.reset}"
    if scan.shards != ["1/1"]:
        text += f"; shards {', '.join(scan.shards)}"
    return text
