"""Time what users wait for: rendering (copier vs cookiecutter) and install + test.

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


def install_and_test(work: Path) -> dict[str, float]:
    repo = work / "install" / EXAMPLE_ANSWERS["repo_name"]
    copier_copy(repo, EXAMPLE_ANSWERS)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "bench")
    poetry = str(Path(sys.executable).parent / "poetry")
    env = {**os.environ, "POETRY_VIRTUALENVS_IN_PROJECT": "true"}

    def run(*args: str) -> None:
        subprocess.run([poetry, *args], cwd=repo, env=env, check=True, capture_output=True)

    return {
        "poetry install (lock + install)": timed(lambda: run("install")),
        "pytest (with coverage)": timed(lambda: run("run", "pytest", "-q")),
    }


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
            print("generated repo, one run:")
            for label, seconds in install_and_test(work).items():
                print(f"  {label:32s} {seconds:6.1f} s")


if __name__ == "__main__":
    main()
