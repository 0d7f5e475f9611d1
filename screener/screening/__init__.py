"""Title/abstract and full-text screening: decisions as events, derived outcomes, blinding.

`review.py` holds `Review`, the review's config, store and derived state that the domain's
functions take.
"""
