"""The risk matrix: likelihood x impact on configured scales, and the rating bands of a score.

Score = likelihood x impact (both integers from 1 to the scale's size, default 5 x 5 = 1..25).
A score's rating is the last band whose ``min_score`` it reaches (default: low 1-4, medium 5-9,
high 10-15, critical 16-25; ``[risk]`` in leadline.toml changes scales and bands).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadline.config import RiskSettings


@dataclass(frozen=True)
class Matrix:
    likelihood_levels: int = 5
    impact_levels: int = 5
    bands: tuple[tuple[str, int], ...] = (("low", 1), ("medium", 5), ("high", 10), ("critical", 16))

    @classmethod
    def from_settings(cls, settings: RiskSettings) -> Matrix:
        return cls(
            settings.likelihood_levels,
            settings.impact_levels,
            tuple((b.name, b.min_score) for b in settings.bands),
        )

    def out_of_range(self, axis: str, value: Any) -> str | None:
        """Why ``value`` is not a level of ``axis`` (likelihood | impact), or None."""
        top = self.likelihood_levels if axis == "likelihood" else self.impact_levels
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            return f"must be an integer from 1 to {top} (the {axis} scale of the risk matrix)"
        return None

    def rating(self, score: int) -> str:
        name = self.bands[0][0]
        for band, start in self.bands:
            if score >= start:
                name = band
        return name

    def band_names(self) -> list[str]:
        return [name for name, _ in self.bands]

    def describe(self) -> dict[str, Any]:
        """The matrix as JSON: scales and each band's score range."""
        top = self.likelihood_levels * self.impact_levels
        ends = [start - 1 for _, start in self.bands[1:]] + [top]
        return {
            "likelihood_levels": self.likelihood_levels,
            "impact_levels": self.impact_levels,
            "bands": [
                {"name": name, "min_score": start, "max_score": end}
                for (name, start), end in zip(self.bands, ends, strict=True)
            ],
        }

    def heatmap(self, cells: list[tuple[int, int]]) -> list[dict[str, Any]]:
        """Every (likelihood, impact) cell with its score, rating and how many risks sit in it
        (empty cells included, so a chart needs no gap filling)."""
        counts: dict[tuple[int, int], int] = {}
        for cell in cells:
            counts[cell] = counts.get(cell, 0) + 1
        return [
            {
                "likelihood": likelihood,
                "impact": impact,
                "score": likelihood * impact,
                "rating": self.rating(likelihood * impact),
                "count": counts.get((likelihood, impact), 0),
            }
            for likelihood in range(self.likelihood_levels, 0, -1)
            for impact in range(1, self.impact_levels + 1)
        ]
