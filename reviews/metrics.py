"""Score arithmetic (domain.md): NPS and its 95% confidence interval."""

import math
from dataclasses import dataclass

from django.db.models import Count, Q

from .models import Segment

Z_95 = 1.959964


@dataclass(frozen=True)
class NpsSummary:
    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """%promoters − %detractors, −100..100; None with no answers."""
        if not self.n:
            return None
        return 100 * (self.promoters - self.detractors) / self.n

    @property
    def margin(self) -> float | None:
        """Half-width of the 95% interval, in NPS points (normal approximation)."""
        if not self.n:
            return None
        p, d = self.promoters / self.n, self.detractors / self.n
        variance = p + d - (p - d) ** 2
        return 100 * Z_95 * math.sqrt(variance / self.n)


def nps_summary(feedback) -> NpsSummary:
    """NPS over a Feedback queryset; only answered NPS questions count."""
    counts = feedback.filter(kind="nps").aggregate(
        promoters=Count("pk", filter=Q(segment=Segment.PROMOTER)),
        passives=Count("pk", filter=Q(segment=Segment.PASSIVE)),
        detractors=Count("pk", filter=Q(segment=Segment.DETRACTOR)),
    )
    return NpsSummary(**counts)
