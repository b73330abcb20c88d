"""The seller API's own data: the per-seller API tokens integrators authenticate with."""
