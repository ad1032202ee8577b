"""Dagster run tags HALO sets and reads, named once.

The Gemini resource reads ``SOURCE_TAG`` to send scheduled backfills through the Batch API, so
the schedule's name must be the one the schedule is defined with (halo_assets/jobs.py).
"""

SOURCE_TAG = "halo/source"  # what started the run: the schedule, a sensor, `halo add`, HALOPipeline
STALE_VIDEOS_SCHEDULE = "backfill_stale_videos"
