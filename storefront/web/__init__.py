"""The only HTTP-aware code: controllers, guards, dependencies, error pages."""
