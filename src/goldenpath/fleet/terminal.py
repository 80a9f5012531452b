"""The terminal view: a progress bar on stderr while scanning, then a table on stdout."""

from __future__ import annotations

import sys
from typing import TextIO

from goldenpath.fleet.cells import (
    ci_cell,
    level_cell,
    maturity_cell,
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

_WIDTH = 30


class ProgressBar:
    """`[#####.....] 120/500 org/repo` redrawn in place on a terminal; a line per 10% otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_decile = -1

    def __call__(self, done: int, total: int, name: str) -> None:
        filled = _WIDTH * done // max(total, 1)
        bar = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{total}"
        if self.tty:
            self.stream.write(f"\r\033[K{bar} {name[:40]}" + ("\n" if done == total else ""))
            self.stream.flush()
            return
        decile = 10 * done // max(total, 1)
        if decile != self._last_decile:
            self._last_decile = decile
            print(f"scanning {bar}", file=self.stream, flush=True)


def table(report: FleetReport, card: Scorecard) -> str:
    header = ("repo", "owner", "level", "template", "workflows", "update PR", "CI", "maturity", "error")
    rows = [
        (
            repo.name,
            owner_cell(repo),
            level_cell(card, repo),
            template_cell(repo),
            workflows_cell(repo),
            pr_cell(repo),
            ci_cell(repo),
            maturity_cell(repo),
            (repo.error or "")[:60],
        )
        for repo in report.repos
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    summary = report.summary()
    lines += [
        "",
        f"{summary['repos']} repos; newest release of {report.release_line} {report.newest_release or 'none'}; "
        f"template {_counts(summary['template_status'])}; workflows {_counts(summary['workflow_status'])}; "
        f"{summary['errors']} could not be scanned.",
        f"maturity: {len(report.statements)} automated statements (pass/total per repo); "
        f"statements {number_ranges(report.manual_statements)} need people to answer them.",
    ]
    if note := newer_major_note(report):
        lines.append(note.replace("`", "") + ".")
    lines.append("levels: " + ", ".join(f"{count} {name}" for name, count in card.level_counts.items()) + ".")
    for progress in card.campaigns:
        lines.append(
            f"campaign {progress.campaign.name}: {progress.now.passing} of {progress.now.total} meet it; "
            f"{progress.due_text()}."
        )
    lines.append(f"scan: {scan_cost(report)}.")
    if not report.scan.complete:
        lines.append(
            f"PARTIAL: {len(report.scan.not_scanned)} repo(s) not scanned"
            + (
                f", shard(s) {', '.join(report.scan.missing_shards)} missing"
                if report.scan.missing_shards
                else ""
            )
            + (f": {', '.join(report.scan.not_scanned[:20])}" if report.scan.not_scanned else "")
            + (" ..." if len(report.scan.not_scanned) > 20 else "")
        )
    return "\n".join(lines) + "\n"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{value} {key}" for key, value in counts.items())
