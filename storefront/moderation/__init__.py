"""Operator decisions with their statements of reasons, complaints against them, and the audit log."""
