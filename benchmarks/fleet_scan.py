"""The fleet scan against the fake GitHub: wall time and API calls per repo, first and second scan.

Run: .venv/bin/python benchmarks/fleet_scan.py [--repos 500] [--concurrency 8]
Prints figures; asserts nothing. The goal (issue 10): at most 4 calls per
unchanged repo on a second scan (ETags, blob-SHA file cache, pushed_at), and
the 500-repo scan under 30 s on the development machine. The fake server runs
in this process, so it shares the interpreter (and its lock) with the client:
against GitHub the scan waits on the network instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet_seed import seed_fleet, template_files
from goldenpath.fleet.facts import connect
from goldenpath.fleet.scan import scan_fleet
from goldenpath.github.client import GitHubEnv
from goldenpath.settings import load_settings
from rendering import EXAMPLE_ANSWERS, REPO_ROOT, copier_copy


def calls_per_repo(fake: FakeGitHub, since: int, org: str) -> Counter[str]:
    """Calls under /repos/<org>/<name>/..., by repo (org-wide listings are not any repo's)."""
    counts: Counter[str] = Counter()
    for call in fake.calls[since:]:
        parts = call.path.split("/")
        if len(parts) > 3 and parts[1] == "repos" and parts[2] == org:
            counts[parts[3]] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    settings = load_settings(REPO_ROOT / "goldenpath.yml")
    with tempfile.TemporaryDirectory() as work:
        rendered = Path(work) / EXAMPLE_ANSWERS["repo_name"]
        copier_copy(rendered, EXAMPLE_ANSWERS)
        base = template_files(rendered)
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, base, org=settings.org, central_repo=settings.central_repo, size=args.repos)
        api = connect(GitHubEnv(token=fake.token, api_url=fake.url))
        unchanged = {
            name
            for kind, names in fleet.kinds.items()
            if kind not in ("broken", "rate-limited", "unrelated", "other-template")
            for name in names
        }
        print(
            f"fleet: {args.repos} repos seeded ({fleet.members} in the fleet), concurrency {args.concurrency}"
        )
        print("| scan | wall time | calls | calls per fleet repo (mean / max) | 304s |")
        print("|---|---:|---:|---|---:|")
        for label in ("first", "second"):
            since = len(fake.calls)
            start = time.perf_counter()
            report = scan_fleet(api, settings, concurrency=args.concurrency)
            elapsed = time.perf_counter() - start
            per_repo = calls_per_repo(fake, since, settings.org)
            counts = [per_repo[name] for name in unchanged]
            not_modified = sum(call.status == 304 for call in fake.calls[since:])
            print(
                f"| {label} | {elapsed:.1f} s | {len(fake.calls) - since} | "
                f"{statistics.mean(counts):.2f} / {max(counts)} | {not_modified} |"
            )
        print(
            f"reported repos: {len(report.repos)}; could not be scanned: {sum(r.error is not None for r in report.repos)}"
        )


if __name__ == "__main__":
    main()
