"""Export of records and decisions, safe for spreadsheets."""
