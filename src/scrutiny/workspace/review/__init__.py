"""Search-record review: import records with their grounds, draw seeded samples, two blind reviews per record
against a rubric, agreement between reviewers, and results by ethnic group (exact inside, suppressed outside)."""
