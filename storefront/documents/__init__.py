"""Documents numbered without gaps: sellers' monthly statements, the platform's invoices, buyers' receipts."""
