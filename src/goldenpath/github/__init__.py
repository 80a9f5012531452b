"""The GitHub service layer: the one bounded client (`client`) and how every write is spoken (`reconcile`).

Capabilities (create-repo, release, the update pull request, the fleet) use it; it uses none of them.
"""
