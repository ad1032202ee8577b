"""Dagster resources: the only place HALO touches the outside world (storage, models, Redis, Gemini)."""
