"""`goldenpath monitor`: a target's monitoring as the workspace sees it, for people and for workflows.

`status` reads the monitor, its last refresh, each feature's drift, the drift
alert and the last drift_check decision; `report` shows them (text, JSON, step
summary) and decides the exit code; `commands` wires `goldenpath monitor status`.
"""
