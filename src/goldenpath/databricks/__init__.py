"""Databricks verification: check a workspace before a deploy, prove the job after it, smoke-run it, trace it.

Everything talks to the workspace through databricks-sdk with its own auth
(environment or `--profile`); the generated repo's bundle says what is expected.
"""
