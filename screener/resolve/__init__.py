"""Conflicts between reviewers, the senior's resolution, and inter-rater agreement."""
