"""The one place HALO's Dagster graph is wired: assets, checks, jobs, sensors, schedules, resources."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from halo_resources.environments import get_resources

# Stage modules, in data order. Each holds thin assets that call halo/.
STAGE_MODULES: list = []

defs = Definitions(
    assets=load_assets_from_modules(STAGE_MODULES),
    asset_checks=load_asset_checks_from_modules(STAGE_MODULES),
    resources=get_resources(),
)
