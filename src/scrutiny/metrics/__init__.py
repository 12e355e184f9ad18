"""The scrutiny figures, defined once (docs/metrics.md) as Ibis expressions.

The report, the API and the CLI all take their numbers from `compute_metrics`, so they cannot disagree.
"""

import scrutiny.ibis_compat  # noqa: F401  (before any Ibis DuckDB backend is made)
from scrutiny.metrics.document import compute_metrics, metrics_document
from scrutiny.metrics.scope import Scope

__all__ = ["Scope", "compute_metrics", "metrics_document"]
