"""The catalogue: categories, brands, product models and the variants a buyer picks."""
