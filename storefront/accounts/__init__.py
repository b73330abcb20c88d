"""Accounts (shoppers, seller users, operators), their sessions, password hashing and reset links."""
