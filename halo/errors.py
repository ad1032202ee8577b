"""Errors a user can act on: each says what went wrong, for which video, and what to do."""


class HaloError(Exception):
    """Base class for errors HALO raises on purpose (bad input, missing models, budget...)."""


class InvalidVideoId(HaloError, ValueError):
    """A partition key / video id that does not match the allowed pattern."""


class VideoIdTaken(HaloError, ValueError):
    """A video id asked for by the user that already stands for a different file."""


class MediaError(HaloError):
    """A video or audio file that is missing, empty, corrupt or lacks a needed stream."""


class ModelFileError(HaloError):
    """A model file that is missing or does not match its pinned checksum."""


class BudgetExceeded(HaloError):
    """An LLM call that would push spend over the configured budget was not made."""
