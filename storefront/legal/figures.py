"""Every figure the legal pages quote, formatted once from the settings and the rules modules.

Rates are integer basis points and money integer cents, formatted by storefront.units with integer arithmetic,
so "2.5 %" on a page is exactly the 250 basis points the code charges.
"""
from __future__ import annotations

from dataclasses import dataclass

from storefront.catalog.grades import GRADES, Grade
from storefront.moderation.decisions import CONTEST_WINDOW
from storefront.settings import Settings
from storefront.units import money, percent, stars_out_of_five

# French consumer code L217-7: for second-hand goods a lack of conformity that shows within this many
# months of delivery is presumed to have existed at delivery. Set by law, not by the operator.
USED_GOODS_PRESUMPTION_MONTHS = 12


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
    unpaid_order_minutes: int
    seller_termination_notice_days: int
    contest_months: int
    charter_limits: tuple[CharterLimit, ...]
    min_battery_percent: int
    max_dispatch_working_days: int
    grades: tuple[Grade, ...]


def legal_figures(settings: Settings) -> LegalFigures:
    fee, charter = settings.service_fee, settings.quality_charter
    return LegalFigures(
        service_fee_rate=percent(fee.rate_basis_points),
        service_fee_minimum=money(fee.minimum_cents, fee.currency),
        service_fee_maximum=money(fee.maximum_cents, fee.currency),
        seller_monthly_fee=money(settings.seller_fees.monthly_flat_cents, settings.currency),
        seller_commission=percent(settings.seller_fees.commission_basis_points),
        legal_guarantee_months=settings.legal_guarantee_months,
        used_goods_presumption_months=USED_GOODS_PRESUMPTION_MONTHS,
        commercial_warranty_min_months=settings.commercial_warranty_min_months,
        withdrawal_days=settings.withdrawal_days,
        return_window_days=settings.return_window_days,
        unpaid_order_minutes=settings.unpaid_order_minutes,
        seller_termination_notice_days=settings.seller_termination_notice_days,
        # The window is counted generously in days; the pages speak of whole months, as the law does.
        contest_months=CONTEST_WINDOW.days // 30,
        charter_limits=(
            CharterLimit("Defective products", f"at most {percent(charter.max_defect_rate_bp)}"),
            CharterLimit("Wrong products or accessories",
                         f"at most {percent(charter.max_wrong_item_rate_bp)}"),
            CharterLimit("Products in a poorer cosmetic condition than sold",
                         f"at most {percent(charter.max_cosmetic_rate_bp)}"),
            CharterLimit("Late deliveries", f"at most {percent(charter.max_late_delivery_rate_bp)}"),
            CharterLimit("Buyers' rating of the seller",
                         f"at least {stars_out_of_five(charter.min_rating_x100)}"),
        ),
        min_battery_percent=charter.min_battery_percent,
        max_dispatch_working_days=charter.max_dispatch_working_days,
        grades=GRADES,
    )
