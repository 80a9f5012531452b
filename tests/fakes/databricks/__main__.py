"""`python -m fakes.databricks --seed state.json` (from tests/): the fake workspace on its own; prints its URL."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from fakes.databricks import FakeWorkspaceServer, seed_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fake Databricks workspace (tests only).")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--seed", type=Path, help="JSON file with the initial state (see seed_from)")
    args = parser.parse_args(argv)
    server = FakeWorkspaceServer(port=args.port)
    if args.seed:
        seed_from(server.workspace, json.loads(args.seed.read_text(encoding="utf-8")))
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
