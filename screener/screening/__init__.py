"""Title/abstract and full-text screening: decisions as events, derived outcomes, blinding."""
