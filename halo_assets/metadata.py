"""Metadata every asset reports the same way, so the UI's figures compare across stages."""


def real_time_factor(processing_s: float, duration_s: float) -> float:
    """Processing seconds per second of video (0 for an empty video), to 5 decimals."""
    return round(processing_s / duration_s, 5) if duration_s > 0 else 0.0
