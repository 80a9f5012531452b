"""The interactive prompt shows the whole reason a refused answer is refused.

A person types a bad repository name into `goldenpath new` (and plain `copier
copy`) in a real pseudo-terminal of 80 columns: the screen must show every line
of the validator's message (the rule that failed and a valid example), and the
question is asked again.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from goldenpath.project import answer_error
from goldenpath.settings import load_settings
from rendering import REPO_ROOT

BIN = Path(sys.executable).parent
COLUMNS, ROWS = 80, 40
# Control sequences prompt_toolkit writes: CSI (cursor moves, colours, modes) and backspace.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x08")


class Terminal:
    """A program on the far side of a pseudo-terminal, read as the characters it drew."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.master, replica = pty.openpty()
        fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        # No cursor-position requests: nothing here would answer them.
        env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=replica, stdout=replica, stderr=replica, start_new_session=True
        )
        os.close(replica)
        self.output = ""

    def drawn_since(self, start: int) -> str:
        """What was drawn from `start` on, without control sequences or any whitespace."""
        return "".join(CONTROL.sub("", self.output[start:]).split())

    def wait_for(self, fragment: str, start: int = 0, timeout: float = 60) -> None:
        wanted = "".join(fragment.split())
        deadline = time.monotonic() + timeout
        while wanted not in self.drawn_since(start):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(remaining):
                pytest.fail(f"{fragment!r} never appeared; the screen got:\n{CONTROL.sub('', self.output)}")

    def type(self, keys: str) -> int:
        """Send keys as one write (as a paste arrives); returns where the reply starts."""
        start = len(self.output)
        os.write(self.master, keys.encode())
        return start

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], min(timeout, 1.0))
        if not ready:
            return self.process.poll() is None
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the program ended and closed its side
            return False
        self.output += chunk.decode(errors="replace")
        return bool(chunk)

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


@pytest.mark.parametrize(
    "argv",
    [
        [str(BIN / "goldenpath"), "new", "out"],
        [str(BIN / "copier"), "copy", "--trust", "--vcs-ref=HEAD", str(REPO_ROOT), "out"],
    ],
    ids=["goldenpath-new", "copier-copy"],
)
def test_a_refused_answer_shows_every_line_of_its_reason(argv: list[str], tmp_path: Path) -> None:
    reason = answer_error("repo_name", {"repo_name": "Forecast"}, load_settings())
    lines = [line.strip() for line in reason.splitlines()]
    assert len(lines) > 2, "the reason names the rule and an example on lines of their own"
    terminal = Terminal(argv, tmp_path)
    try:
        terminal.wait_for("Repository name")
        reply = terminal.type("Forecast\r")
        for line in lines:
            terminal.wait_for(line, reply, timeout=30)
        # Refused, not taken: the question is asked again, and a good answer goes through.
        assert terminal.process.poll() is None
        terminal.type("\x15")  # clear the line, as Ctrl-U does
        terminal.wait_for("One line saying what", terminal.type("rtl-forecasting-demand-weekly\r"))
        terminal.type("\x03")  # Ctrl-C: stop there
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
        terminal.close()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
