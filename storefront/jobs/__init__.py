"""Scheduled and after-response work: one registry of jobs (`registry`), run either inside the store
(`embedded`, the default) or on PostgreSQL's job queue by worker processes (`queue`, procrastinate)."""
