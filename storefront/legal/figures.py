"""Every figure the legal pages quote, formatted once from the settings and the rules modules.

Rates are integer basis points and money integer cents: they are formatted with integer arithmetic only,
so "2.5 %" on a page is exactly the 250 basis points the code charges.
"""
from __future__ import annotations

from dataclasses import dataclass

from storefront.catalog.grades import GRADES, Grade
from storefront.moderation.service import CONTEST_WINDOW
from storefront.money import format_money
from storefront.settings import Settings

# French consumer code L217-7: for second-hand goods a lack of conformity that shows within this many
# months of delivery is presumed to have existed at delivery. Set by law, not by the operator.
USED_GOODS_PRESUMPTION_MONTHS = 12


def percent_from_basis_points(basis_points: int) -> str:
    """1000 → '10 %', 250 → '2.5 %', 5 → '0.05 %': no trailing zeros, no float on the way. The space before
    the sign does not break, so a line never starts with '%'."""
    sign = "−" if basis_points < 0 else ""
    whole, rest = divmod(abs(basis_points), 100)
    number = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return f"{sign}{number}\N{NO-BREAK SPACE}%"


def stars_from_x100(x100: int) -> str:
    """A rating kept as hundredths of a star: 400 → '4', 450 → '4.5', 425 → '4.25'."""
    whole, rest = divmod(x100, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


@dataclass(frozen=True)
class CharterLimit:
    label: str
    limit: str


@dataclass(frozen=True)
class LegalFigures:
    service_fee_rate: str
    service_fee_minimum: str
    service_fee_maximum: str
    seller_monthly_fee: str
    seller_commission: str
    legal_guarantee_months: int
    used_goods_presumption_months: int
    commercial_warranty_min_months: int
    withdrawal_days: int
    return_window_days: int
    seller_termination_notice_days: int
    contest_months: int
    charter_limits: tuple[CharterLimit, ...]
    min_battery_percent: int
    max_dispatch_working_days: int
    grades: tuple[Grade, ...]


def legal_figures(settings: Settings) -> LegalFigures:
    fee, charter = settings.service_fee, settings.quality_charter
    return LegalFigures(
        service_fee_rate=percent_from_basis_points(fee.rate_basis_points),
        service_fee_minimum=format_money(fee.minimum_cents, fee.currency),
        service_fee_maximum=format_money(fee.maximum_cents, fee.currency),
        seller_monthly_fee=format_money(settings.seller_fees.monthly_flat_cents, settings.currency),
        seller_commission=percent_from_basis_points(settings.seller_fees.commission_basis_points),
        legal_guarantee_months=settings.legal_guarantee_months,
        used_goods_presumption_months=USED_GOODS_PRESUMPTION_MONTHS,
        commercial_warranty_min_months=settings.commercial_warranty_min_months,
        withdrawal_days=settings.withdrawal_days,
        return_window_days=settings.return_window_days,
        seller_termination_notice_days=settings.seller_termination_notice_days,
        # The window is counted generously in days; the pages speak of whole months, as the law does.
        contest_months=CONTEST_WINDOW.days // 30,
        charter_limits=(
            CharterLimit("Defective products", f"at most {percent_from_basis_points(charter.max_defect_rate_bp)}"),
            CharterLimit("Wrong products or accessories",
                         f"at most {percent_from_basis_points(charter.max_wrong_item_rate_bp)}"),
            CharterLimit("Products in a poorer cosmetic condition than sold",
                         f"at most {percent_from_basis_points(charter.max_cosmetic_rate_bp)}"),
            CharterLimit("Late deliveries", f"at most {percent_from_basis_points(charter.max_late_delivery_rate_bp)}"),
            CharterLimit("Buyers' rating of the seller",
                         f"at least {stars_from_x100(charter.min_rating_x100)} out of 5"),
        ),
        min_battery_percent=charter.min_battery_percent,
        max_dispatch_working_days=charter.max_dispatch_working_days,
        grades=GRADES,
    )
