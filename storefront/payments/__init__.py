"""Payments through a provider interface, on the sellers' behalf, and the ledger that accounts for every cent."""
