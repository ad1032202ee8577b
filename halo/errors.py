"""Errors a user can act on: each says what went wrong, for which video, and what to do."""


class HaloError(Exception):
    """Base class for errors HALO raises on purpose (bad input, missing models, budget...)."""


class InvalidVideoId(HaloError, ValueError):
    """A partition key / video id that does not match the allowed pattern."""


class VideoIdTaken(HaloError, ValueError):
    """A video id asked for by the user that already stands for a different file."""


class FileRegistered(HaloError, ValueError):
    """A file asked to be registered under a new id while it already stands under another."""


class MediaError(HaloError):
    """A video or audio file that is missing, empty, corrupt or lacks a needed stream."""


class ModelFileError(HaloError):
    """A model file that is missing or does not match its pinned checksum."""


class BudgetExceeded(HaloError):
    """An LLM call that would push spend over the configured budget was not made."""


class RetiredModel(HaloError):
    """A Gemini model name Google no longer serves (refused before any call). Not a ValueError on
    purpose: raised from a config validator, it reaches the caller as itself, not wrapped."""


class UnknownModelPrice(HaloError, KeyError):
    """The catalogue has no price for this model (on this date): HALO will not bill it as $0."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownVideo(HaloError):
    """A video id that is neither registered nor has stored outputs."""


class InvalidQuestion(HaloError, ValueError):
    """An empty or over-long question (refused before anything is billed)."""


class RunFailed(HaloError):
    """A Dagster run of a video failed; the message holds each failed step's own reason."""


class QuestionFailed(HaloError):
    """A video was processed but the question asked with it (`halo process --query`,
    ``process_video(query=...)``) was not answered (Gemini unreachable, a budget refusal...).
    Carries the id: the command printed none, so the user could not ask again with `halo ask ID`."""

    def __init__(self, video_id: str, message: str) -> None:
        super().__init__(message)
        self.video_id = video_id


class NotWritable(HaloError):
    """A file HALO keeps under the data or storage root (the registry, speaker names) could not be
    written: a read-only or full disk, or a folder owned by someone else."""

    FIX = "Make HALO_DATA_DIR (and HALO_STORAGE_ROOT, if set) writable, or point them at folders you can write."


class NotReadable(HaloError):
    """A file HALO keeps under the data or storage root (the registry) exists but could not be read
    or parsed: a folder in its place, no read permission, or a damaged (truncated, hand-edited) file.
    Apart from NotWritable because the fix differs: making the folder writable does not help."""


class UnknownSpeaker(HaloError, ValueError):
    """A name given to a speaker label the video's diarization never produced, or a name that is
    another of its labels."""
