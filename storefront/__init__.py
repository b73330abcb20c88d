"""Encore: a server-rendered marketplace for refurbished electronics."""
