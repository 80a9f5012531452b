"""A reader that goes away (`| head`) and Ctrl-C end a command quietly, with the shell's codes 141 and 130."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rendering import render

GOLDENPATH = str(Path(sys.executable).parent / "goldenpath")


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    """`goldenpath release notes ... | head -c1`, through a real pipe: notes larger than the pipe's buffer."""
    notes = "\n".join(f"- change {number}: " + "x" * 60 for number in range(20_000))
    (tmp_path / "CHANGELOG.md").write_text(
        f"# Changelog\n\n## [1.0.0] - 2026-01-01\n\n### Added\n\n{notes}\n"
    )
    command = [GOLDENPATH, "release", "notes", "--tag", "v1.0.0", "--root", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as producer:
        assert producer.stdout is not None and producer.stderr is not None
        head = subprocess.run(["head", "-c1"], stdin=producer.stdout, capture_output=True, check=True)
        producer.stdout.close()  # only head read the pipe; now that it is gone, the pipe is closed
        error = producer.stderr.read().decode()
    assert producer.returncode == 141
    assert head.stdout == b"#"
    assert error == "", "no traceback and no 'Exception ignored' from the flush at exit"


@pytest.fixture
def silent_workspace() -> Iterator[tuple[str, threading.Event]]:
    """A host that accepts a connection and never answers, and an event set once something connected."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            held.append(listener.accept()[0])
        except OSError:
            return
        connected.set()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", connected
    for connection in held:
        connection.close()
    listener.close()


def test_ctrl_c_ends_quietly_with_130(tmp_path: Path, silent_workspace: tuple[str, threading.Event]) -> None:
    host, connected = silent_workspace
    repo = render(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "GOLDENPATH_"))}
    env |= {
        "DATABRICKS_HOST": host,
        "DATABRICKS_TOKEN": "dapi-x",
        "DATABRICKS_CONFIG_FILE": str(tmp_path / "none"),
        "GOLDENPATH_REQUEST_TIMEOUT": "120",
    }
    command = [GOLDENPATH, "databricks", "preflight", "--target", "acc", "--path", str(repo)]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A terminal's default: a test runner's worker may ignore SIGINT, and a child inherits that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    with process:  # closes the pipes, whatever happens
        try:
            assert connected.wait(timeout=60), "the command never reached the workspace"
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out == ""
