"""Time what users wait for: rendering (copier vs cookiecutter), and install, test and run.

Run: .venv/bin/python benchmarks/render_and_install.py [--runs N] [--skip-install]
Prints figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from rendering import EXAMPLE_ANSWERS, cookiecutter_render, copier_copy, git

PYTEST_RUNS = 3


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def render_times(runs: int, work: Path) -> tuple[list[float], list[float]]:
    by_copier, by_cookiecutter = [], []
    for run in range(runs):
        copier_dst, cookie_dst = work / f"copier{run}" / "repo", work / f"cookie{run}"
        by_copier.append(timed(partial(copier_copy, copier_dst, EXAMPLE_ANSWERS)))
        by_cookiecutter.append(timed(partial(cookiecutter_render, cookie_dst, EXAMPLE_ANSWERS)))
    return by_copier, by_cookiecutter


def measured(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the largest process in the command's tree."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}")
    return seconds, usage.ru_maxrss / 1024


def install_and_test(work: Path) -> dict[str, tuple[float, float]]:
    repo = work / "install" / EXAMPLE_ANSWERS["repo_name"]
    copier_copy(repo, EXAMPLE_ANSWERS)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "bench")
    poetry = str(Path(sys.executable).parent / "poetry")
    env = {**os.environ, "POETRY_VIRTUALENVS_IN_PROJECT": "true"}

    # --compile, as scripts/demo: the .pyc files a first import writes unless PYTHONDONTWRITEBYTECODE is set.
    figures = {
        "poetry install --compile (lock + install)": measured([poetry, "install", "--compile"], repo, env)
    }
    # The generated repo's whole test suite, as `poetry run pytest` runs it (target: under 10 s),
    # then with the coverage gate, as CI runs it.
    for label, args in (("pytest", []), ("pytest --cov", ["--cov"])):
        runs = [measured([poetry, "run", "pytest", "-q", *args], repo, env) for _ in range(PYTEST_RUNS)]
        figures[f"{label}, median of {PYTEST_RUNS}"] = (
            statistics.median(seconds for seconds, _ in runs),
            max(peak for _, peak in runs),
        )
    figures["pipeline run, locally"] = measured([poetry, "run", EXAMPLE_ANSWERS["repo_name"]], repo, env)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        by_copier, by_cookiecutter = render_times(args.runs, work)
        copier_median, cookie_median = statistics.median(by_copier), statistics.median(by_cookiecutter)
        print(f"render, median of {args.runs} (CLI start-up included):")
        print(f"  copier        {copier_median:6.2f} s")
        print(f"  cookiecutter  {cookie_median:6.2f} s")
        print(f"  ratio copier/cookiecutter  {copier_median / cookie_median:4.2f}")
        if not args.skip_install:
            print("generated repo (with the example), one run:")
            for label, (seconds, peak_mib) in install_and_test(work).items():
                print(f"  {label:32s} {seconds:6.1f} s   peak RSS {peak_mib:6.0f} MiB")


if __name__ == "__main__":
    main()
