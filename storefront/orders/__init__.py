"""Orders: one per checkout, split into one seller order per seller; every state change goes through one place."""
