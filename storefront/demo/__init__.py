"""The deterministic demo catalogue, at shop scale or at benchmark scale."""
