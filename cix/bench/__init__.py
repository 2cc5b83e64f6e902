"""Benchmarks: each generates its own seeded input, measures a rate beside its floor, and returns JSON."""
