"""The one place HALO's Dagster graph is wired: assets, checks, jobs, sensors, schedules, resources."""

from dagster import (
    Definitions,
    colored_console_logger,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from halo.allocator import pass_malloc_settings_to_children
from halo_assets import chunking, costs, ingest, policy, qa, speech, summaries, text, vision
from halo_assets.progress import stage_progress_logger
from halo_assets.jobs import build_process_video_job, build_stale_videos_schedule
from halo_assets.sensors import videos_folder_sensor
from halo_assets.costs import costs_automation_sensor
from halo_resources.environments import get_resources

# The code server that loads these definitions starts every run's process (UI launches,
# sensors, schedules, backfills): those processes start under the malloc settings that make
# transcription a third faster (halo/allocator.py).
pass_malloc_settings_to_children()

# Stage modules, in data order. Each holds thin assets that call halo/.
STAGE_MODULES = [ingest, vision, speech, text, chunking, qa, policy, summaries, costs]

ASSETS = load_assets_from_modules(STAGE_MODULES)

defs = Definitions(
    assets=ASSETS,
    asset_checks=load_asset_checks_from_modules(STAGE_MODULES),
    jobs=[build_process_video_job(ASSETS), policy.train_chunking_policy_job],
    sensors=[videos_folder_sensor, costs_automation_sensor],
    schedules=[build_stale_videos_schedule(ASSETS)],
    resources=get_resources(),
    loggers={"console": colored_console_logger, "stage_progress": stage_progress_logger},
)
