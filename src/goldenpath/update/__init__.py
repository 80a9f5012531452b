"""`goldenpath update`: bring a generated repository to a newer template release, and its pull request."""
