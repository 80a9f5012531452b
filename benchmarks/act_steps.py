"""Where the act runs' time goes: every run's wall time and the steps inside it.

Reads the `act.log` files the e2e harness leaves under pytest's temporary
directory (`.../e2e0/runNN-<workflow>-<event>/act.log`) and prints, per run,
its wall time against its budget, then the steps summed over all runs by name
(composite actions' own steps are listed too, so a composite step's time is
also in the steps it is made of). It asserts nothing.

    .venv/bin/pytest -m e2e --basetemp=/tmp/e2e-timing
    .venv/bin/python benchmarks/act_steps.py /tmp/e2e-timing [--top 25]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# `[job label] ✅  Success - Main <step> [1m20.8s]`: act's duration of one step.
STEP = re.compile(
    r"^\[(?P<job>[^\]]+?)\s*\]\s+\S+\s+(?:Success|Failure) - Main (?P<step>.+?) \[(?P<duration>[0-9][0-9.a-zµ]*)\]$",
    re.MULTILINE,
)
# The harness's last line: `harness: act exited 0 after 123.4 s (budget 240 s)`.
FOOTER = re.compile(
    r"^harness: act (?:exited (?P<code>-?\d+)|killed) after (?P<seconds>[0-9.]+) s \(budget (?P<budget>[0-9.]+) s\)$",
    re.MULTILINE,
)
UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
DURATION_PART = re.compile(r"([0-9.]+)(h|ms|µs|us|ns|m|s)")


def seconds(duration: str) -> float:
    """Go's time.Duration text (`1m20.8s`, `75.4ms`) in seconds."""
    return sum(float(number) * UNITS[unit] for number, unit in DURATION_PART.findall(duration))


@dataclass(frozen=True)
class Run:
    name: str
    wall: float | None
    budget: float | None
    steps: list[tuple[str, str, float]]  # (job, step, seconds)


def read_run(log: Path) -> Run:
    text = ANSI_ESCAPE.sub("", log.read_text(encoding="utf-8", errors="replace"))
    footer = FOOTER.search(text)
    steps = [(m["job"].rstrip(), m["step"], seconds(m["duration"])) for m in STEP.finditer(text)]
    return Run(
        name=log.parent.name,
        wall=float(footer["seconds"]) if footer else None,
        budget=float(footer["budget"]) if footer else None,
        steps=steps,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("roots", nargs="+", type=Path, help="directories searched for act.log files")
    parser.add_argument("--top", type=int, default=25, help="how many step names to list (default 25)")
    args = parser.parse_args(argv)

    logs = sorted(log for root in args.roots for log in root.rglob("act.log"))
    if not logs:
        print(f"no act.log under {', '.join(map(str, args.roots))}", file=sys.stderr)
        return 2
    runs = [read_run(log) for log in logs]

    print(f"{'run':<48} {'wall s':>8} {'budget s':>9}")
    for run in sorted(runs, key=lambda r: -(r.wall or 0.0)):
        wall = f"{run.wall:.1f}" if run.wall is not None else "?"
        budget = f"{run.budget:.0f}" if run.budget is not None else "?"
        print(f"{run.name:<48} {wall:>8} {budget:>9}")
    walls = [run.wall for run in runs if run.wall is not None]
    print(f"{len(runs)} runs, {sum(walls):.1f} s of act wall time\n")

    totals: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for _, step, duration in run.steps:
            totals[step].append(duration)
    print(f"{'step (summed over runs)':<60} {'runs':>5} {'total s':>8} {'mean s':>7}")
    for step, durations in sorted(totals.items(), key=lambda item: -sum(item[1]))[: args.top]:
        print(
            f"{step[:60]:<60} {len(durations):>5} {sum(durations):>8.1f} {sum(durations) / len(durations):>7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
