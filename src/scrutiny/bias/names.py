"""The tests of bias and the groups they compare, by name: imported by `scrutiny --help` (the options' defaults
and help name them), so this module imports nothing heavy; scrutiny.bias.suite runs the tests."""

from __future__ import annotations

from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP, REFERENCE

TESTS = {
    "outcome": "Outcome test (hit rates by group) and, when asked for, the threshold test",
    "darkness": "Veil of darkness: is the group a smaller share of those searched after dark?",
    "change": "Policy change: did searches or the ratio to White change when a policy started in an area?",
    "rates": "Rates and their uncertainty: exact and standardised ratios to White, other denominators, rank intervals",
}
REFERENCE_GROUP = REFERENCE
COMPARED_GROUPS = COMPARED
DEFAULT_GROUP = HEADLINE_GROUP
