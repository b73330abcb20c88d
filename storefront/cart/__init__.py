"""Carts: lines freeze the offer and its unit price, so a later price change is noticed."""
