"""`goldenpath ab`: standardized A/B tests of a serving repo's endpoint, as reviewed changes.

`start` sets the `challenger` alias and writes the experiment into
resources/ab.yml, `status` reads the scheduled readout, `promote` and `abort`
end it; each change reaches the endpoint through a pull request and the deploy
(`--open-pr`). The contract with the generated repo is `goldenpath.ab_config`.
"""
