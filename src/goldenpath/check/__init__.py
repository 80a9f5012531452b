"""Checks of a generated repository: its names and wiring against the convention."""
