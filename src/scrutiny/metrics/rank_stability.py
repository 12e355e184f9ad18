"""How sure a league table of areas by ratio to White is: each area's rank with a 95% interval, and the chance it
is the highest ("worst") area, from simulated counts.

A table of boroughs ranked by ratio invites "X is the worst": with a few hundred searches per borough, several
boroughs' ratios overlap and their order is partly chance. Each search count is redrawn from its gamma posterior
(Jeffreys prior: Gamma(x + ½) for the expected count), the ratios recomputed and the areas ranked again, many
times. Gamma rather than Poisson draws: a drawn count of 0 White searches would make a ratio infinite, and the
share of draws in which an area comes first then reads directly as a probability. With the counts of at least
RATIO_MIN_SEARCHES that ranking requires, the two give practically the same intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES, ratio_suppressed

DEFAULT_DRAWS = 2000
DEFAULT_SEED = 20240601
PRIOR_SHAPE = 0.5  # Jeffreys prior for a Poisson mean


@dataclass(frozen=True)
class AreaRatio:
    """One area's searches and exposure of a group and of White people."""

    code: str
    searches: int
    exposure: float | None
    white_searches: int
    white_exposure: float | None


@dataclass(frozen=True)
class AreaRank:
    code: str
    ratio: float
    rank: int  # 1 = highest ratio
    low: int  # the 95% interval of the rank
    high: int
    p_highest: float  # share of draws in which this area has the highest ratio

    def to_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "low": self.low, "high": self.high, "p_highest": self.p_highest,
                "ratio": self.ratio}


@dataclass
class RankTable:
    ranked: list[AreaRank]
    left_out: list[str]  # codes of areas not ranked
    draws: int
    seed: int
    notes: list[str] = field(default_factory=list)

    def of(self, code: str) -> AreaRank | None:
        return next((r for r in self.ranked if r.code == code), None)


def _rankable(area: AreaRatio) -> bool:
    return (not ratio_suppressed(area.searches, area.white_searches) and bool(area.exposure)
            and bool(area.white_exposure))


def rank_stability(areas: Sequence[AreaRatio], draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                   level: float = 0.95) -> RankTable:
    """Each rankable area's observed rank by ratio (1 = highest), the `level` interval of its simulated rank and
    its probability of being highest. Areas whose ratio is suppressed (fewer than RATIO_MIN_SEARCHES searches on
    either side) or that lack an exposure are left out, with a note; the seed makes the table reproducible."""
    from scipy.stats import rankdata  # here, not at the top: scipy.stats would add ~0.5 s to every server's start

    if draws < 1:
        raise ValueError(f"draws {draws} must be at least 1")
    kept = [a for a in areas if _rankable(a)]
    left_out = [a.code for a in areas if not _rankable(a)]
    table = RankTable([], left_out, draws, seed)
    if left_out:
        table.notes.append(f"{len(left_out)} area(s) not ranked: a ratio resting on fewer than {RATIO_MIN_SEARCHES} "
                           f"searches on either side, or no exposure ({', '.join(left_out[:20])}"
                           f"{' …' if len(left_out) > 20 else ''}).")
    if not kept:
        return table
    counts = np.array([[a.searches, a.white_searches] for a in kept], dtype=np.float64)
    exposure = np.array([[a.exposure, a.white_exposure] for a in kept], dtype=np.float64)
    observed = np.log(counts[:, 0] / exposure[:, 0]) - np.log(counts[:, 1] / exposure[:, 1])
    rng = np.random.default_rng(seed)
    expected = rng.gamma(counts[:, :, None] + PRIOR_SHAPE, size=(*counts.shape, draws))  # area × side × draw
    log_ratio = (np.log(expected[:, 0]) - np.log(exposure[:, 0, None])) - (
        np.log(expected[:, 1]) - np.log(exposure[:, 1, None]))
    # rank within each draw: 1 for the highest ratio (ties have probability zero with continuous draws)
    ranks = np.empty_like(log_ratio, dtype=np.int64)
    order = np.argsort(-log_ratio, axis=0)
    np.put_along_axis(ranks, order, np.arange(1, len(kept) + 1)[:, None], axis=0)
    tail = (1 - level) / 2
    lows = np.quantile(ranks, tail, axis=1, method="inverted_cdf")
    highs = np.quantile(ranks, 1 - tail, axis=1, method="inverted_cdf")
    first = (ranks == 1).mean(axis=1)
    observed_rank = rankdata(-observed, method="min")
    table.ranked = sorted(
        (AreaRank(a.code, float(np.exp(observed[i])), int(observed_rank[i]), int(lows[i]), int(highs[i]),
                  float(first[i])) for i, a in enumerate(kept)),
        key=lambda r: (r.rank, r.code))
    return table
