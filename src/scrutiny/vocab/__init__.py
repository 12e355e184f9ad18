"""One home for the words and numbers every output shares, so metrics, bias, workspace, report, web and CLI
cannot drift apart: ethnic groups, object groups, outcome classes, powers, age bands, months, suppression
thresholds by output kind, and number formatting.

Each vocabulary is a small module (`scrutiny.vocab.months`, `scrutiny.vocab.ethnicity`, ...); those read from a
catalogue file (`scrutiny/catalog/*.csv`) read it here, never in the code that uses them.
"""
