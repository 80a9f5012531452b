"""`goldenpath check-name` and `goldenpath check-repo`: a generated repository's names and wiring against the convention."""
