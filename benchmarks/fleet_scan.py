"""The fleet scan at org scale against the fake GitHub: calls per repo, wall time, merge time, peak memory.

Run: .venv/bin/python benchmarks/fleet_scan.py [--repos 5000] [--concurrency 8]
Prints figures; asserts nothing. Wall times depend on what else the machine
runs; the CPU seconds of the scan and of the fake show where the time goes. Goals: a second scan (a new process, the
persisted `--cache`) spends at most 0.2 rate-limited calls per unchanged repo
and takes under 60 s; merging 4 shards is quick; peak memory stays under
500 MB. The fake runs in a process of its own (seeded from a real copier
render), so the scan's wall time and peak RSS are the client's alone; the
scans run in child processes too, so each peak is one scan's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# The org's budget in the fake: an Enterprise Cloud App installation's 15,000 an hour is too
# little for a first scan of 5,000 repos, which the benchmark wants to see whole.
BUDGET = 200_000


def serve(repos: int) -> None:
    """Child: seed the fake with `repos` repos, print its URL and token, serve until stdin closes."""
    from fakes.github import start_fake_github
    from fakes.github.fleet_seed import seed_fleet, template_files
    from fakes.github.ratelimit import RateLimit
    from goldenpath.settings import load_settings
    from rendering import EXAMPLE_ANSWERS, copier_copy

    settings = load_settings(ROOT / "goldenpath.yml")
    with tempfile.TemporaryDirectory() as work:
        rendered = Path(work) / EXAMPLE_ANSWERS["repo_name"]
        copier_copy(rendered, EXAMPLE_ANSWERS)
        base = template_files(rendered)
    with start_fake_github() as fake:
        fake.rate_limit = RateLimit(limit=BUDGET, remaining=BUDGET)
        fleet = seed_fleet(fake, base, org=settings.org, central_repo=settings.central_repo, size=repos)
        print(json.dumps({"url": fake.url, "token": fake.token, "members": fleet.members}), flush=True)
        for request in sys.stdin:  # "cpu": the CPU seconds the fake has used so far; "rotate": a new token
            if request.strip() == "rotate":
                fake.token = fake.token + "-next"
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "token": fake.token}), flush=True)


def scan(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Child: one `goldenpath fleet` in its own process; its wall time, peak RSS and the scan block."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _SCAN_CHILD, *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0,):
        sys.exit(f"scan failed ({done.returncode}):\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {**figures, "wall": wall}


# Runs the command in-process, then prints its scan block and the process's peak RSS.
_SCAN_CHILD = """
import contextlib, io, json, resource, sys
from goldenpath.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    code = main(["fleet", *sys.argv[1:]])
report = json.load(open(sys.argv[sys.argv.index("--json") + 1]))
scan = report["scan"]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "repos": len(report["repos"]), "calls": scan["calls"],
                  "not_modified": scan["not_modified"], "counted": scan["rate_limited_calls"],
                  "rss_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.repos)
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--repos", str(args.repos)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    fake = json.loads(server.stdout.readline())
    env = {
        **os.environ,
        "GITHUB_TOKEN": fake["token"],
        "GITHUB_API_URL": fake["url"],
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("GITHUB_STEP_SUMMARY", None)
    try:
        with tempfile.TemporaryDirectory() as work:
            out = Path(work)
            common = ["--cache", str(out / "cache"), "--concurrency", str(args.concurrency)]
            print(
                f"fleet: {args.repos} repos seeded ({fake['members']} in the fleet), concurrency {args.concurrency}"
            )
            print(
                "| scan | wall time | CPU: scan / fake | calls | 304s | calls per repo "
                "| rate-limited calls per repo | peak RSS |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            labels = (
                "first",
                "second (new process, persisted cache)",
                "second with a new token (an App's next installation token)",
            )
            for label in labels:
                if label.startswith("second with a new token"):
                    env["GITHUB_TOKEN"] = ask(server, "rotate")["token"]
                before = fake_cpu(server)
                figures = scan([*common, "--json", str(out / f"{label.split()[0]}.json")], env)
                repos = max(figures["repos"], 1)
                print(
                    f"| {label} | {figures['wall']:.1f} s | {figures['cpu']:.0f} s / {fake_cpu(server) - before:.0f} s "
                    f"| {figures['calls']:.0f} | {figures['not_modified']:.0f} | {figures['calls'] / repos:.2f} "
                    f"| {figures['counted'] / repos:.3f} | {figures['rss_mb']:.0f} MB |"
                )
            env["GITHUB_TOKEN"] = ask(server, "rotate")["token"]
            (out / "first.json").rename(out / "fleet.json")
            shards = []
            for index in range(1, 5):
                shard = out / f"shard-{index}.json"
                scan([*common, "--shard", f"{index}/4", "--json", str(shard)], env)
                shards.append(str(shard))
            start = time.perf_counter()
            merged = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _MERGE_CHILD,
                    *shards,
                    "--json",
                    str(out / "merged.json"),
                    "--html",
                    str(out / "merged.html"),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            merge_wall = time.perf_counter() - start
            rss = json.loads(merged.stdout.strip().splitlines()[-1])["rss_mb"]
            print(
                f"\nmerge of 4 shards (read, scorecard, JSON and HTML written): {merge_wall:.1f} s, peak RSS {rss:.0f} MB"
            )
            same = _without_scan(out / "merged.json") == _without_scan(out / "fleet.json")
            print(f"merged report equals the single scan's (apart from the scan block): {same}")
            print(
                f"judging one repo whose files are all new (parsing its YAML): {judging_cost():.0f} ms of CPU"
            )
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    print(f"benchmark process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


_MERGE_CHILD = """
import contextlib, io, json, resource, sys
from goldenpath.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(["fleet", "merge", *sys.argv[1:]])
assert code == 0, code
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def ask(server: subprocess.Popen[str], request: str) -> dict[str, Any]:
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(request + "\n")
    server.stdin.flush()
    answer: dict[str, Any] = json.loads(server.stdout.readline())
    return answer


def fake_cpu(server: subprocess.Popen[str]) -> float:
    return float(ask(server, "cpu")["cpu"])


def judging_cost(runs: int = 40) -> float:
    """CPU milliseconds to judge one repo whose files are all new (no text seen before): a real org's case."""
    from fakes.github.fleet_seed import template_files
    from goldenpath.fleet.facts import RepoFacts
    from goldenpath.fleet.protection import Approvals
    from goldenpath.fleet.statements import Subject, assess
    from goldenpath.fleet.workflows import central_calls, is_workflow
    from goldenpath.settings import load_settings
    from rendering import EXAMPLE_ANSWERS, copier_copy

    settings = load_settings(ROOT / "goldenpath.yml")
    central = settings.central_slug
    with tempfile.TemporaryDirectory() as work:
        rendered = Path(work) / EXAMPLE_ANSWERS["repo_name"]
        copier_copy(rendered, EXAMPLE_ANSWERS)
        base = template_files(rendered)
    start = time.process_time()
    for number in range(runs):
        files = {
            path: text + f"\n# {number}\n"
            for path, text in base.items()
            if path.endswith((".yml", ".yaml", ".md"))
        }
        facts = RepoFacts(
            "o/r", "https://x/o/r", "main", dict.fromkeys(base, "sha"), files, True, Approvals(1), ()
        )
        calls = [
            c
            for path, text in files.items()
            if is_workflow(path)
            for c in central_calls(path, text, central, None)
        ]
        assess(Subject.of(facts, calls, settings))
    return 1000 * (time.process_time() - start) / runs


def _without_scan(path: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    report.pop("scan")
    report.pop("generated_at")
    return report


if __name__ == "__main__":
    main()
