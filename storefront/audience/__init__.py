"""Average monthly active recipients (DSA Art. 24(2)), counted without keeping personal data."""
