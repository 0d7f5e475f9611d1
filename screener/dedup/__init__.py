"""Cross-database deduplication: exact keys, blocking and fuzzy matching, reviewable links."""
