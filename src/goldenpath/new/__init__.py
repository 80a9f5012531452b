"""`goldenpath new`: render a new repository with copier, refusing bad answers in plain words."""
