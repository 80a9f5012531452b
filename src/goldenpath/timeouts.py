"""How long a command waits for a service before it says so: one bound for GitHub and Databricks.

Every client is built with it: each HTTP request may take this long, and the
retries of one call stop once this much time has passed, so a dead host fails
a command within seconds, naming the host, instead of after the SDKs' own
five-minute budgets. A slow workspace or GitHub Enterprise Server raises it
with `GOLDENPATH_REQUEST_TIMEOUT` (or `--request-timeout` where a command has it).
"""

from __future__ import annotations

import argparse
import math
import os

from goldenpath.errors import UsageError

REQUEST_TIMEOUT_ENV = "GOLDENPATH_REQUEST_TIMEOUT"
DEFAULT_REQUEST_TIMEOUT = 10.0


def request_timeout(explicit: float | None = None) -> float:
    """Seconds: the explicit value, else `$GOLDENPATH_REQUEST_TIMEOUT`, else the default."""
    if explicit is not None:
        return explicit
    text = os.environ.get(REQUEST_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_REQUEST_TIMEOUT
    try:
        return seconds(text)
    except ValueError:
        raise UsageError(
            f"{REQUEST_TIMEOUT_ENV}={text!r} is not a positive number of seconds",
            "unset it, or set it to e.g. 30",
        ) from None


def seconds(text: str) -> float:
    """A positive number of seconds, for `--request-timeout` and its environment variable."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{text!r} is not a positive number of seconds, such as 30")
    return value


def add_request_timeout_option(parser: argparse.ArgumentParser) -> None:
    """`--request-timeout SECONDS`, the same on every command that talks to a workspace."""
    parser.add_argument(
        "--request-timeout",
        type=_seconds_argument,
        metavar="SECONDS",
        help=f"how long one workspace request may take, retries included (default: ${REQUEST_TIMEOUT_ENV} "
        f"or {DEFAULT_REQUEST_TIMEOUT:g})",
    )


def _seconds_argument(text: str) -> float:
    try:
        return seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
