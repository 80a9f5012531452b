"""`python -m goldenpath` runs the CLI."""

import sys

from goldenpath.cli import main

sys.exit(main())
