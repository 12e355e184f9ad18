"""The tests of bias by name: imported by `scrutiny --help` (the options' help names them), so this module imports
nothing heavy; scrutiny.bias.suite runs the tests. The groups they compare are vocab.ethnicity's."""

from __future__ import annotations

TESTS = {
    "outcome": "Outcome test (hit rates by group) and, when asked for, the threshold test",
    "darkness": "Veil of darkness: is the group a smaller share of those searched after dark?",
    "change": "Policy change: did searches or the ratio to White change when a policy started in an area?",
    "rates": "Rates and their uncertainty: exact and standardised ratios to White, other denominators, rank intervals",
}
