"""Stateful loopback fakes of the remote REST APIs the product talks to (tests only, never shipped)."""
