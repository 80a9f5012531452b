"""The fleet view: which repo runs which template and workflow version, and how mature it is.

`discovery` finds the repos; `facts` (with `protection`) reads what a repo
holds through githubkit, over `transport` (conditional requests from the
`store`, metered) with `listing` for paged lists and `budget` pacing by the
rate limit; `release_line`, `versions` and `workflows` judge drift;
`statements` (one module per assessment section) turns facts into maturity
verdicts; `owners`, `levels`, `history`, `campaigns` and `scorecard` (settings
in `config`) add the scorecard; `scan` runs it all with a concurrency cap on
one `shards` partition, whose reports `reader` and `shards.merge` join. `model`
is the report (facts and verdicts), the scorecard is judged from it, and the
outputs take both: `feed` (the versioned JSON), `terminal`, `markdown`, `html`
(with `html_scorecard`, `charts`). `commands` wires `goldenpath fleet`,
`fleet merge` and `fleet plan`.
"""
