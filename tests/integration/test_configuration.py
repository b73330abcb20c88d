"""Every default figure of DOMAIN.md is set from the environment and quoted by the legal pages from there;
a value that a setting cannot take stops the app at start-up, naming the variable."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.settings import Settings, SettingsError, from_environment

ROOT = Path(__file__).resolve().parents[2]


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section aria-labelledby="{anchor}">(.*?)</section>', html, re.S)
    assert match, f"no section #{anchor}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


async def page_section(settings: Settings, backend, path: str, anchor: str) -> str:
    async with AsyncTestClient(app=create_app(settings, backend)) as client:
        response = await client.get(path)
        assert response.status_code == 200
        return section(response.text, anchor)


async def test_seller_fees_from_the_environment_are_quoted_by_the_seller_conditions(prepared_store: Settings,
                                                                                   backend) -> None:
    settings = from_environment({**os.environ, "SELLER_COMMISSION_BASIS_POINTS": "1250",
                                 "SELLER_MONTHLY_FEE_CENTS": "6500"})
    fees = await page_section(settings, backend, "/legal/seller-conditions", "fees")
    assert "Monthly flat fee €65.00" in fees
    assert "Commission 12.5 % of each confirmed transaction" in fees


@pytest.mark.parametrize(("variable", "value", "path", "anchor", "expected"), [
    ("SERVICE_FEE_BASIS_POINTS", "300", "/legal/sales-conditions", "fee", "3 % of the price of the items"),
    ("SERVICE_FEE_MIN_CENTS", "59", "/legal/sales-conditions", "fee", "never less than €0.59"),
    ("SERVICE_FEE_MAX_CENTS", "999", "/legal/sales-conditions", "fee", "never more than €9.99"),
    ("COMMERCIAL_WARRANTY_MIN_MONTHS", "18", "/legal/commercial-guarantee", "warranty", "never shorter than 18 months"),
    ("WITHDRAWAL_DAYS", "30", "/legal/other-information", "guarantees", "within 30 days of delivery"),
    ("RETURN_WINDOW_DAYS", "60", "/legal/sales-conditions", "returns", "within 60 days of delivery"),
    ("UNPAID_ORDER_MINUTES", "20", "/legal/sales-conditions", "ordering", "Pay within 20 minutes"),
    ("SELLER_TERMINATION_NOTICE_DAYS", "90", "/legal/seller-conditions", "termination", "90 days in advance"),
])
async def test_each_default_figure_is_set_by_its_variable_and_quoted(prepared_store: Settings, backend,
                                                                     variable: str, value: str, path: str,
                                                                     anchor: str, expected: str) -> None:
    settings = from_environment({**os.environ, variable: value})
    assert expected in await page_section(settings, backend, path, anchor)


def test_an_unset_or_empty_variable_keeps_the_default() -> None:
    settings = from_environment({"SELLER_COMMISSION_BASIS_POINTS": "", "SELLER_MONTHLY_FEE_CENTS": "  "})
    assert settings.seller_fees.commission_basis_points == 1_000
    assert settings.seller_fees.monthly_flat_cents == 5_000


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SELLER_COMMISSION_BASIS_POINTS", "10 %", "SELLER_COMMISSION_BASIS_POINTS must be a whole number"),
    ("SELLER_MONTHLY_FEE_CENTS", "50.00", "SELLER_MONTHLY_FEE_CENTS must be a whole number"),
    ("SERVICE_FEE_MIN_CENTS", "-49", "SERVICE_FEE_MIN_CENTS must be a whole number"),
    ("WITHDRAWAL_DAYS", "7", "WITHDRAWAL_DAYS must be at least 14"),
    ("SEARCH_BACKEND", "elastic", "SEARCH_BACKEND must be 'embedded' or 'meilisearch'"),
    ("DEBUG", "maybe", "DEBUG must be one of"),
    ("JOBS_INTERVAL_SECONDS", "700", "JOBS_INTERVAL_SECONDS: a period of 700 s does not divide"),
    ("JOB_QUEUE", "celery", "JOB_QUEUE must be 'embedded' or 'procrastinate'"),
    ("JOB_QUEUE", "procrastinate", "JOB_QUEUE=procrastinate needs PostgreSQL"),
    ("SIGN_IN_FAILURES_PER_CLIENT", "fifty", "SIGN_IN_FAILURES_PER_CLIENT must be a rate such as '10 per 15 minutes'"),
    ("CART_ABANDONED_DAYS", "0", "CART_ABANDONED_DAYS must be at least 1"),
])
def test_a_value_the_setting_cannot_take_is_refused_by_name(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        from_environment({variable: value})


def test_the_app_does_not_start_with_a_commission_that_is_not_a_whole_number() -> None:
    result = subprocess.run([sys.executable, "-c", "from storefront.app import create_app; create_app()"],
                            cwd=ROOT, env={**os.environ, "SELLER_COMMISSION_BASIS_POINTS": "ten"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SettingsError: SELLER_COMMISSION_BASIS_POINTS must be a whole number such as 1000, not 'ten'" \
        in result.stderr
