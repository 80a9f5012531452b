"""Shards: a stable partition of the org's repos, and the merge of the shards' reports into one.

Repo `full_name` (lower case) hashed with SHA-256 picks its shard, so a repo
stays in its shard from week to week (and its cache with it) whatever else
the org adds or removes, as long as the number of shards stays. The merge
takes the rows of every shard and builds the report as one scan would; its
`scan` block adds up the shards' calls, and names shards it did not receive.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from goldenpath.errors import UsageError
from goldenpath.fleet.config import MAX_SHARDS
from goldenpath.fleet.model import FleetReport, RateLimit, ScanInfo
from goldenpath.fleet.release_line import central_releases

_SPEC = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SPEC.match(text.strip())
        if not match or int(match[1]) > int(match[2]) or int(match[2]) > MAX_SHARDS:
            raise UsageError(
                f"--shard {text!r} is not a shard of the fleet",
                f"give I/N with 1 <= I <= N <= {MAX_SHARDS}, such as 1/4",
            )
        return cls(int(match[1]), int(match[2]))

    @property
    def spec(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, full_name: str) -> bool:
        digest = hashlib.sha256(full_name.lower().encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


WHOLE = Shard(1, 1)


def plan(repos: int, shard_size: int) -> list[str]:
    """The shards for an org of `repos` repos: one when it fits `shard_size`, else enough to."""
    count = min(max(1, math.ceil(repos / shard_size)), MAX_SHARDS)
    return [Shard(index, count).spec for index in range(1, count + 1)]


def merge(reports: list[FleetReport]) -> FleetReport:
    """One report from the shards' reports (derived parts are left to the caller, as for a scan)."""
    if not reports:
        raise UsageError("no shard reports to merge", "give the --json files the shard scans wrote")
    first = reports[0]
    for report in reports[1:]:
        for field in ("org", "topic", "central", "release_line"):
            if getattr(report, field) != getattr(first, field):
                raise UsageError(
                    f"the shards disagree on {field}: {getattr(first, field)!r} and {getattr(report, field)!r}",
                    "merge shards of one scan of one org",
                )
    specs = [spec for report in reports for spec in report.scan.shards]
    counts = {Shard.parse(spec).count for spec in specs}
    if len(counts) != 1 or len(set(specs)) != len(specs):
        raise UsageError(
            f"the shards do not partition one scan: {sorted(specs)}", "merge the shards of one run"
        )
    count = counts.pop()
    missing = [
        Shard(index, count).spec for index in range(1, count + 1) if Shard(index, count).spec not in specs
    ]
    names = [repo.full_name for report in reports for repo in report.repos]
    if len(set(names)) != len(names):
        raise UsageError("a repo is in two shards", "merge the shards of one run (same number of shards)")
    rows = sorted(
        (repo for report in reports for repo in report.repos), key=lambda repo: repo.full_name.lower()
    )
    not_scanned = sorted(name for report in reports for name in report.scan.not_scanned)
    rates = [report.scan.rate_limit for report in reports if report.scan.rate_limit]
    scan = ScanInfo(
        shards=sorted(specs, key=lambda spec: Shard.parse(spec).index),
        complete=not not_scanned and not missing and all(report.scan.complete for report in reports),
        not_scanned=not_scanned,
        missing_shards=missing,
        calls=sum(report.scan.calls for report in reports),
        not_modified=sum(report.scan.not_modified for report in reports),
        rate_limit=_latest(rates),
        stopped="; ".join(dict.fromkeys(r.scan.stopped for r in reports if r.scan.stopped)) or None,
    )
    return FleetReport(
        org=first.org,
        topic=first.topic,
        central=first.central,
        release_line=first.release_line,
        central_releases=central_releases(name for report in reports for name in report.central_releases),
        generated_at=min(report.generated_at for report in reports),
        statements=first.statements,
        manual_statements=first.manual_statements,
        manual_why=first.manual_why,
        repos=rows,
        scan=scan,
    )


def _latest(rates: list[RateLimit]) -> RateLimit | None:
    return max(rates, key=lambda rate: (rate.reset, -rate.remaining), default=None)
