"""Demo budget figures (in the range a Mekong Delta province reports) and report text."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from openstx.reports.models import BudgetYear, ReportNarrative


def generate(
    scale: str,
    seed: int,
    organizations: list[Any],
    experts: list[Any],
    log: Callable[[str], Any] = print,
) -> dict[str, int]:
    rng = random.Random(seed + 9)
    rows = []
    total = 11_500_000_000_000  # 11.5 trillion VND of provincial expenditure in 2016
    for year in range(2016, 2026):
        total = int(total * rng.uniform(1.03, 1.09))
        st = int(total * rng.uniform(0.011, 0.019))
        dev = int(st * rng.uniform(0.45, 0.6))
        rows.append(
            BudgetYear(
                year=year,
                development_investment_vnd=dev // 1_000_000 * 1_000_000,
                recurrent_vnd=(st - dev) // 1_000_000 * 1_000_000,
                total_provincial_budget_vnd=total // 1_000_000 * 1_000_000,
                note="Số liệu minh họa",
            )
        )
    BudgetYear.objects.bulk_create(rows, ignore_conflicts=True)
    ReportNarrative.objects.get_or_create(
        year_from=2016,
        year_to=2019,
        section="overview",
        defaults={
            "text": "Giai đoạn 2016–2019, hoạt động khoa học và công nghệ của tỉnh tiếp tục "
            "gắn với nhu cầu của doanh nghiệp, trọng tâm là nông nghiệp công nghệ cao, "
            "thủy sản và chế biến nông sản.\n\nSàn giao dịch công nghệ đã kết nối nhiều "
            "nhu cầu công nghệ của doanh nghiệp với các viện, trường trong vùng."
        },
    )
    log(f"Budget years: {len(rows)}")
    return {"budget_years": len(rows)}
