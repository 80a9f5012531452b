"""The fleet view: which repo runs which template and workflow version, and how mature it is.

`discovery` finds the repos, `facts` reads what a repo holds (tree, files,
protection, PRs, CI) through githubkit, `versions` and `workflows` judge drift,
`statements` turns facts into maturity verdicts, `scan` runs it all with a
concurrency cap, `model` is the versioned JSON report, and `terminal`,
`markdown` and `html` render it. `command` wires `goldenpath fleet`.
"""
