"""Make-up working Saturdays in Viet Nam: a day off moved next to a holiday is worked on a Saturday.

The `holidays` package knows the day off (it lists, for 2026, "Day off (substituted from 22/08/2026)"
on Monday 31 August) but not that the Saturday it was taken from is worked. This table holds those
Saturdays, so that `bot.domain.working_days` counts them as working days.

Each row: the Saturday worked, the day off it pays for, and the document that set the swap. The
documents are those the `holidays` package cites for the same swaps (VietnamStaticHolidays,
holidays 0.109): official dispatches of the Government Office (VPCP) and announcements of the
Ministry of Labour (BLĐTBXH) for officials and public employees; private employers usually follow
them. A swap announced later is a new row here.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class MakeUpDay(NamedTuple):
    worked: date  # the Saturday that is a working day
    instead_of: date  # the day off it pays for
    source: str


MAKE_UP_WORKING_DAYS: tuple[MakeUpDay, ...] = (
    MakeUpDay(date(2019, 1, 5), date(2018, 12, 31), "Công văn 6519/VPCP-KGVX (2018)"),
    MakeUpDay(date(2019, 5, 4), date(2019, 4, 29), "Công văn 6519/VPCP-KGVX (2018)"),
    MakeUpDay(date(2024, 5, 4), date(2024, 4, 29), "Công văn 2450/VPCP-KGVX (2024)"),
    MakeUpDay(date(2025, 4, 26), date(2025, 5, 2), "Thông báo 6150/TB-BLĐTBXH (2024)"),
    MakeUpDay(date(2026, 8, 22), date(2026, 8, 31), "Lịch nghỉ lễ Quốc khánh 2/9/2026 (thuvienphapluat.vn)"),
)
