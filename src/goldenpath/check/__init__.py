"""`goldenpath check-name` and `goldenpath check-repo`: names against the naming convention."""
