"""Grading scales: scores are stored as percentages; each program shows and exports them on its own scale.

Vietnamese schools grade on a 10-point scale with one decimal ("8,5"); some programs keep 100 points.
A score is converted once, here, and written with the reader's decimal separator through Babel.
"""
from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_decimal


class GradeScale(enum.StrEnum):
    TEN = "10"  # thang điểm 10, một chữ số thập phân
    HUNDRED = "100"  # thang điểm 100

    @property
    def maximum(self) -> int:
        return int(self.value)


DEFAULT_SCALE = GradeScale.TEN
_PATTERNS = {GradeScale.TEN: "0.0", GradeScale.HUNDRED: "0.#"}


def on_scale(percent: float | None, scale: GradeScale | str | None = None) -> Decimal | None:
    """The score `percent` (0-100) on `scale`, rounded half up to one decimal: 85 -> 8.5 on the 10-point scale."""
    if percent is None:
        return None
    scale = GradeScale(scale or DEFAULT_SCALE)
    value = Decimal(str(percent)) * scale.maximum / 100
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_grade(percent: float | None, scale: GradeScale | str | None = None) -> str:
    """The score on `scale` written for the reader's locale: "8,5" in Vietnamese, "8.5" in English."""
    value = on_scale(percent, scale)
    if value is None:
        return ""
    return format_decimal(value, format=_PATTERNS[GradeScale(scale or DEFAULT_SCALE)])


def register(app) -> None:
    app.add_template_filter(format_grade, "grade")
