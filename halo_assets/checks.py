"""Asset checks reported by the assets themselves (one step, same partition, same run)."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec


def spec(name: str, asset: str, description: str) -> AssetCheckSpec:
    return AssetCheckSpec(name=name, asset=asset, description=description)


def result(name: str, asset: str, problems: list[str], warn_only: bool = False) -> AssetCheckResult:
    """Pass when ``problems`` is empty; else fail (ERROR, or WARN for soft expectations)."""
    return AssetCheckResult(
        check_name=name,
        asset_key=asset,
        passed=not problems,
        severity=AssetCheckSeverity.WARN if warn_only else AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "ok",
        metadata={"problems": len(problems)},
    )
