"""The prepaid shipping labels of a trade-in: the person's, to the refurbisher, that goes with an accepted quote,
and the refurbisher's, back to the person's return address, when a refused device is sent back. No carrier is
contracted yet: the store makes a sandbox label (its own carrier name, a generated tracking number) as a PDF,
laid out by WeasyPrint like the store's documents (storefront/documents/render.py)."""
from __future__ import annotations

import secrets
from typing import Any

from jinja2 import Environment, select_autoescape

from storefront.documents.render import pdf_from_html
from storefront.settings import Settings
from storefront.units import money

SANDBOX_CARRIER = "Encore Returns (sandbox)"


def carrier(settings: Settings) -> str:
    """The label's carrier: the sandbox in every environment until a real carrier is wired."""
    return SANDBOX_CARRIER


def tracking_number() -> str:
    """A sandbox tracking number: "ER" and 12 random digits, unguessable enough to name a parcel."""
    return "ER" + "".join(secrets.choice("0123456789") for _ in range(12))


# Both labels' layout: one parcel label on an A6 sheet.
_STYLE = """<style>
@page { size: A6 landscape; margin: 8mm; }
body { font-family: sans-serif; font-size: 10pt; }
.box { border: 2px solid #000; padding: 4mm; }
.tracking { font-size: 18pt; font-weight: bold; letter-spacing: 1pt; }
.sandbox { border: 1px dashed #000; padding: 2mm; margin-top: 3mm; font-size: 8pt; }
</style>"""

_LABELS = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_LABEL = _LABELS.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prepaid label {{ t.reference }}</title>
""" + _STYLE + """</head><body>
<div class="box">
<p><strong>{{ carrier }}</strong> · prepaid</p>
<p class="tracking">{{ t.tracking_number }}</p>
<p>To: <strong>{{ t.seller_name }}</strong><br>{{ t.seller_address }}</p>
<p>Trade-in {{ t.reference }} · {{ t.device }} · quoted {{ money(t.quote_cents) }}<br>
Send before {{ t.ship_by.strftime("%d %B %Y") }}. Put the reference inside the parcel.</p>
<p class="sandbox">Sandbox label made by {{ brand_name }}: no carrier picks it up.</p>
</div></body></html>""")


_RETURN_LABEL = _LABELS.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Return label {{ t.reference }}</title>
""" + _STYLE + """</head><body>
<div class="box">
<p><strong>{{ carrier }}</strong> · prepaid by the sender</p>
<p class="tracking">{{ t.return_tracking_number }}</p>
<p>To: <strong>{{ t.return_name }}</strong><br>{{ t.return_line1 }}<br>{{ t.return_postcode }} {{ t.return_city }}<br>
{{ country }}</p>
<p>From: {{ t.seller_name }}<br>Trade-in {{ t.reference }} · {{ t.device }} · returned free of charge.</p>
<p class="sandbox">Sandbox label made by {{ brand_name }}: no carrier picks it up.</p>
</div></body></html>""")


def label_html(trade_in: dict[str, Any], brand_name: str) -> str:
    return _LABEL.render(t=trade_in, carrier=trade_in["label_carrier"] or SANDBOX_CARRIER, brand_name=brand_name,
                         money=money)


def return_label_html(trade_in: dict[str, Any], brand_name: str, country: str) -> str:
    """The return parcel's label: `trade_in` carries the return address, the return tracking number, the
    refurbisher's name (seller_name) and the device's name (device); `country` is the country's name."""
    return _RETURN_LABEL.render(t=trade_in, carrier=trade_in["return_label_carrier"] or SANDBOX_CARRIER,
                                brand_name=brand_name, country=country)


async def label_pdf(trade_in: dict[str, Any], brand_name: str) -> bytes:
    """The label as a PDF, laid out like the store's documents."""
    return await pdf_from_html(label_html(trade_in, brand_name))


async def return_label_pdf(trade_in: dict[str, Any], brand_name: str, country: str) -> bytes:
    return await pdf_from_html(return_label_html(trade_in, brand_name, country))
