"""The page's scorecard sections: the scan's cost, levels, trends and campaigns."""

from __future__ import annotations

from html import escape

from goldenpath.fleet.cells import scan_cost
from goldenpath.fleet.charts import level_chart, progress_bar, sparkline, trend_chart
from goldenpath.fleet.model import FleetReport
from goldenpath.fleet.scorecard import Scorecard


def scan_section(report: FleetReport) -> str:
    scan = report.scan
    html = f'<p class="meta" id="scan-cost">Scan: {escape(scan_cost(report))}.</p>'
    if scan.complete:
        return html
    names = ", ".join(f"<code>{escape(name)}</code>" for name in scan.not_scanned)
    missing = f"; shard(s) {escape(', '.join(scan.missing_shards))} missing" if scan.missing_shards else ""
    why = f" ({escape(scan.stopped)})" if scan.stopped else ""
    return html + (
        f'<p class="partial" id="partial"><b>Partial report.</b> {len(scan.not_scanned)} repo(s) not scanned'
        f"{missing}{why}{': ' + names if names else ''}.</p>"
    )


def scorecard_sections(report: FleetReport, card: Scorecard) -> str:
    return _levels(card) + _trends(report, card) + _campaigns(card)


def _levels(card: Scorecard) -> str:
    counts = card.level_counts
    rows = "".join(
        f"<tr><td>{escape(level.name)}</td><td>"
        + ", ".join(
            escape(f"{r.id} {r.title}")
            if r.checked
            else f'<span class="unchecked">{escape(r.id)} (not checked by the scan)</span>'
            for r in level.requirements
        )
        + f'</td><td class="n">{counts[level.name]}</td></tr>'
        for level in card.levels
    )
    return (
        '<section id="levels"><h2>Levels</h2>'
        f"<figure><figcaption>Repos by level reached</figcaption>{level_chart(counts)}</figure>"
        '<table class="plain"><thead><tr><th>level</th><th>adds to the level below</th><th>repos</th></tr></thead>'
        f'<tbody><tr><td>none</td><td>the first level is not reached</td><td class="n">{counts["none"]}</td></tr>'
        f"{rows}</tbody></table>"
        "<p>A level is reached when its statements and those of every level below pass; a row of the table "
        "below shows what its repo lacks for the next one.</p></section>"
    )


def _trends(report: FleetReport, card: Scorecard) -> str:
    if not card.with_history:
        return ""
    if card.previous is None:
        return '<section id="trends"><h2>Trends</h2><p>No earlier report to compare with yet.</p></section>'
    passing, failing = card.newly("newly_passing"), card.newly("newly_failing")
    top = max((point.repos for point in card.points), default=1)
    rows = "".join(
        f"<tr><td>{escape(info.id)} {escape(info.title)}</td>"
        f'<td class="n up">{passing.get(info.id, 0) or ""}</td><td class="n down">{failing.get(info.id, 0) or ""}</td>'
        f"<td>{sparkline([p.statement_pass_counts.get(info.id, 0) for p in card.points], top)}</td></tr>"
        for info in report.statements
    )
    return (
        '<section id="trends"><h2>Trends</h2>'
        f"<p>{len(card.points)} reports, the previous one of {escape(card.previous)}: "
        f"{sum(passing.values())} statement(s) newly pass, {sum(failing.values())} newly fail "
        '(a flip between pass and fail; the "Show" menu finds the repos).</p>'
        f"<figure><figcaption>Repos at each level, and passing every automated statement, over time</figcaption>"
        f"{trend_chart(card.points, [level.name for level in card.levels])}</figure>"
        '<table class="plain" id="trend-table"><thead><tr><th>statement</th><th>newly passing</th>'
        f"<th>newly failing</th><th>repos passing over time</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _campaigns(card: Scorecard) -> str:
    if not card.campaigns:
        return ""
    blocks = []
    for progress in card.campaigns:
        campaign, now = progress.campaign, progress.now
        overdue = " overdue" if progress.days_left < 0 else ""
        failing = "".join(
            f'<tr><td><a href="{escape(repo.url)}">{escape(repo.full_name.split("/", 1)[-1])}</a></td>'
            f"<td>{escape(repo.owner.name) if repo.owner else '-'}</td><td>{escape('; '.join(repo.lacks))}</td></tr>"
            for repo in progress.failing
        )
        blocks.append(
            f'<article class="campaign{overdue}" data-campaign="{escape(campaign.slug)}">'
            f"<h3>{escape(campaign.name)}</h3>"
            f"<p>Goal: {escape(campaign.goal.describe())}; started {campaign.start}; {escape(progress.due_text())}.</p>"
            f'<p class="progress-line">{progress_bar(now.passing, now.total)} <b>{now.passing}</b> of {now.total} repos meet it; '
            f"{escape(progress.since_start_text())}.</p>"
            + (
                f"<details><summary>{len(progress.failing)} repo(s) still short of it, with their owners</summary>"
                '<table class="plain"><thead><tr><th>repo</th><th>owner</th><th>still lacks</th></tr></thead>'
                f"<tbody>{failing}</tbody></table></details>"
                if progress.failing
                else "<p>Every repo meets the goal.</p>"
            )
            + "</article>"
        )
    return f'<section id="campaigns"><h2>Campaigns</h2>{"".join(blocks)}</section>'
