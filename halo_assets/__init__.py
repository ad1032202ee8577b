"""HALO's Dagster layer: thin assets, sensors, schedules and checks that call halo/."""
