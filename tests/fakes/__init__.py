"""Stateful fakes of the remote services tests cannot reach (GitHub REST, Databricks REST).

Each is a real HTTP server on loopback, driven through the real client library.
Never shipped: they live under tests/ only.
"""
