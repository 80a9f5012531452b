"""The `goldenpath` command: the list of commands, in the order people meet them, and the one error handler."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from goldenpath import __version__
from goldenpath.ab import commands as ab
from goldenpath.check import commands as check
from goldenpath.commands import Commands, HelpFormatter, Registrar
from goldenpath.create_repo import commands as create_repo
from goldenpath.databricks import commands as databricks
from goldenpath.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_USAGE, GoldenpathError
from goldenpath.fleet import commands as fleet
from goldenpath.monitor import commands as monitor
from goldenpath.new import commands as new
from goldenpath.release import commands as release
from goldenpath.timeouts import REQUEST_TIMEOUT_ENV
from goldenpath.update import commands as update

DESCRIPTION = """\
goldenpath: the paved road from a repository name to a deployed Databricks ML project.

Data scientists start with `goldenpath new`, keep their names right with
`check-name` and `check-repo` (a pre-commit hook does it for them), take template
releases with `goldenpath update`, look at their workspace with `databricks`,
`trace` and `monitor`, and run A/B tests with `ab`. The platform team's workflows run
`create-repo`, `fleet`, `release` and `pin-refs`. `goldenpath COMMAND --help` explains each,
with an example."""

EPILOG = f"""\
exit codes: 0 ok; 1 refused, or a check found problems; 2 usage or configuration
(a missing, wrong or expired credential too); 3 a service failed part-way: run
the same command again to resume.

environment: GITHUB_TOKEN, GITHUB_API_URL, GITHUB_SERVER_URL and GITHUB_REPOSITORY
as GitHub Actions sets them; databricks-sdk's own auth (DATABRICKS_HOST, ...);
GOLDENPATH_SETTINGS (another goldenpath.yml); {REQUEST_TIMEOUT_ENV} (seconds a
service may take to answer, retries included; default 10)."""

# In the order people meet them.
REGISTRARS: list[Registrar] = [
    new.register,
    check.register,  # check-name, check-repo
    update.register,
    databricks.register,
    databricks.register_trace,
    monitor.register,
    ab.register,
    create_repo.register,
    fleet.register,
    release.register,
    release.register_pin_refs,
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the one place where errors become a message and an exit code."""
    args = parser().parse_args(argv)
    command = args.command
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # a reader that went away is noticed here, not at exit
        return code
    except GoldenpathError as exc:
        print(f"goldenpath {command}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep Python's own flush at exit quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a file the command was told to read or write
        where = f": {exc.filename}" if exc.filename else ""
        print(f"goldenpath {command}: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE


def parser() -> argparse.ArgumentParser:
    """Every command, registered through `goldenpath.commands.Commands`; nothing heavy is imported."""
    top = argparse.ArgumentParser(
        prog="goldenpath",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"goldenpath {__version__}")
    commands = Commands(top)
    for register in REGISTRARS:
        register(commands)
    return top


if __name__ == "__main__":
    sys.exit(main())
