"""`goldenpath create-repo`: a valid name becomes a protected, wired, deployable repository."""
