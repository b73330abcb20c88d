"""Professional sellers (refurbishers), their offers and the quality figures ranking uses."""
