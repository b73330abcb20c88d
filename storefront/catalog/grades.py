"""Grades describe appearance only: every grade is fully functional, tested, battery at least 80 %."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grade:
    key: str
    label: str
    description: str


GRADES: tuple[Grade, ...] = (
    Grade("premium", "Premium", "Flawless appearance, genuine parts only."),
    Grade("excellent", "Excellent", "No marks visible from 20 cm."),
    Grade("good", "Good", "No marks visible from 50 cm."),
    Grade("fair", "Fair", "Visible scratches or small dents; works perfectly."),
)
GRADE_KEYS: tuple[str, ...] = tuple(g.key for g in GRADES)
GRADE_BY_KEY: dict[str, Grade] = {g.key: g for g in GRADES}
