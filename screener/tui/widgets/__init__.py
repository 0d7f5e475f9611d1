"""Reusable widgets: record view, decision panel, progress, PRISMA flow."""
