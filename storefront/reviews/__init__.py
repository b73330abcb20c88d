"""Verified reviews: only buyers, only what they bought, one review per order line."""
