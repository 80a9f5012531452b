"""Time to failure of every command that talks to a service, against a host that is down.

Run: .venv/bin/python benchmarks/time_to_failure.py [--bound SECONDS] [--only WORD]
Prints figures; asserts nothing. Each command runs as a person runs it (the
installed CLI, a fresh process) twice: against a loopback port nothing listens
on (the connection is refused at once) and against a host that accepts the
connection and never answers (a hung server or a dropped route). The goal: an
answer in under 30 s, naming the host, with exit 3.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from goldenpath.refs import project_version
from goldenpath.settings import SETTINGS_ENV_VAR, load_settings
from loopback_tls import loopback_tls
from platform_index import serve_platform_index
from rendering import BIN, EXAMPLE_ANSWERS, REPO_ROOT, git, render

SETTINGS = load_settings()
NAME = str(EXAMPLE_ANSWERS["repo_name"])
RELEASED = f"v{project_version(REPO_ROOT)}"


@contextmanager
def refusing() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"127.0.0.1:{port}"


@contextmanager
def silent() -> Iterator[str]:
    """Accepts every connection, reads nothing, answers nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def commands(repo: Path, serving: Path, answers: Path) -> dict[str, tuple[list[str], str]]:
    """Command line and the service it talks to (`databricks`, `github`, `git`, `index`)."""
    path = ["--path", str(repo)]
    ab = ["--path", str(serving)]
    return {
        "databricks preflight": (["databricks", "preflight", "--target", "acc", *path], "databricks"),
        "databricks verify": (
            ["databricks", "verify", "--target", "acc", "--git-sha", "abc1234", "--version", "0.1.0", *path],
            "databricks",
        ),
        "databricks smoke": (["databricks", "smoke", "--target", "acc", *path], "databricks"),
        "databricks trace": (["databricks", "trace", "abc1234", *path], "databricks"),
        "trace": (["trace", "abc1234", *path], "databricks"),
        "monitor status": (["monitor", "status", "--target", "acc", *path], "databricks"),
        "monitor prepare": (["monitor", "prepare", "--target", "acc", *path], "databricks"),
        "ab start": (["ab", "start", "--challenger", "2", "--percent", "10", *ab], "databricks"),
        "ab status": (["ab", "status", *ab], "databricks"),
        "ab promote": (["ab", "promote", *ab], "databricks"),
        "ab abort": (["ab", "abort", *ab], "databricks"),
        "create-repo": (
            ["create-repo", NAME, "--team", "ds-rtl", "--requester", "alice", "--vcs-ref", "HEAD"],
            "github",
        ),
        "fleet": (["fleet"], "github"),
        "fleet plan": (["fleet", "plan"], "github"),
        "update --open-pr": (["update", "--open-pr", *path], "github"),
        "update --check": (["update", "--check", "--path", str(answers)], "git"),
        "release publish": (["release", "publish", "--tag", "v1.0.0", "--root", str(REPO_ROOT)], "git"),
        "release rollback": (["release", "rollback", "--to", "v1.0.0", "--root", str(REPO_ROOT)], "git"),
        "release upload": (["release", "upload", "--tag", RELEASED, "--root", str(REPO_ROOT)], "index"),
        # The index answers (pypiserver over https); only its upload API is down.
        "release upload (API)": (
            ["release", "upload", "--tag", RELEASED, "--root", str(REPO_ROOT)],
            "upload",
        ),
    }


@dataclass(frozen=True)
class LiveIndex:
    """A package index that answers, for the commands whose upload API is the dead host."""

    url: str
    trust: Path  # SSL_CERT_FILE that accepts it


def environment(service: str, host: str, bound: str | None, answers: Path, live: LiveIndex) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "GITHUB_", "GOLDENPATH_"))}
    env["DATABRICKS_CONFIG_FILE"] = os.devnull
    if bound:
        env["GOLDENPATH_REQUEST_TIMEOUT"] = bound
    url = f"http://{host}"
    if service == "databricks":
        env |= {"DATABRICKS_HOST": url, "DATABRICKS_TOKEN": "dapi-x"}
    elif service in ("index", "upload"):  # the org's package index, or only its upload API, is that host
        settings = answers.parent / "publishing.yml"
        text = (REPO_ROOT / "goldenpath.yml").read_text(encoding="utf-8")
        index_url = f"https://{host}/simple/" if service == "index" else live.url
        index = f"  package_index: {index_url}\n  publish_url: https://{host}/upload/\n"
        settings.write_text(
            text.replace("  package_index: https://pypi.org/simple/\n", index), encoding="utf-8"
        )
        env |= {
            SETTINGS_ENV_VAR: str(settings),
            "UV_PUBLISH_TOKEN": "pypi-x",
            "SSL_CERT_FILE": str(live.trust),
        }
    else:
        env |= {
            "GITHUB_TOKEN": "ghs_x",
            "GITHUB_API_URL": url,
            "GITHUB_SERVER_URL": url,
            "GITHUB_REPOSITORY": SETTINGS.central_slug if service == "git" else f"{SETTINGS.org}/{NAME}",
        }
    (answers / ".copier-answers.yml").write_text(
        f"_commit: v1.0.0\n_src_path: {url}/{SETTINGS.central_slug}.git\n"
    )
    return env


def time_one(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "goldenpath"), *argv], env=env, capture_output=True, text=True, check=False
    )
    last = (done.stderr.strip().splitlines() or [""])[-1]
    return time.perf_counter() - start, done.returncode, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bound", help="GOLDENPATH_REQUEST_TIMEOUT for the runs (default: the CLI's own)")
    parser.add_argument("--only", default="", help="only the commands whose name contains this word")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = render(Path(scratch))
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "Generated")
        render(Path(scratch) / "serving", {"project_kind": "serving"})
        serving = Path(scratch) / "serving" / NAME
        answers = Path(scratch) / "answers"
        answers.mkdir()
        tls = loopback_tls(Path(scratch) / "tls")
        with serve_platform_index(Path(scratch) / "index", "https://pypi.org/simple/", tls=tls) as index:
            live = LiveIndex(index.url, tls.bundle)
            print(f"time to failure against a dead host (bound: {args.bound or 'default'})")
            print(f"{'command':22} {'refused':>14} {'never answers':>16}  message (never answers)")
            for name, (argv, service) in commands(repo, serving, answers).items():
                if args.only not in name:
                    continue
                figures = []
                for host_kind in (refusing, silent):
                    with host_kind() as host:
                        env = environment(service, host, args.bound, answers, live)
                        seconds, code, last = time_one(argv, env)
                        figures.append((seconds, code, last, host))
                (refused, refused_code, _, _), (hung, hung_code, message, host) = figures
                named = "names host" if host in message else "HOST NOT NAMED"
                print(
                    f"{name:22} {refused:8.1f}s (x{refused_code}) {hung:9.1f}s (x{hung_code})  {named}: {message[:70]}"
                )


if __name__ == "__main__":
    main()
