"""The roster: names a user gives a video's diarized speakers (SPEAKER_00 -> "Professor C").

Diarization tells speakers apart but cannot know who they are; a user who can (as in Otter or
Descript) names them once per video, and from then on the transcript, the quotes of answers
and their citations show the names, and a question naming a speaker ("What did the Professor
think about ...?") can be matched to who spoke (halo/qa/speakers.py, halo/qa/speaker_focus.py).
Stored per video by halo.store (``speakers/<video_id>.json``). Two labels given one name are
one person (diarization split them).

Labels are only names for diarization's clusters: a video processed again (another diarization
backend or setting, a changed source) may call the Professor SPEAKER_01 and give SPEAKER_00 to
someone else, and the stored names would then put the Professor's name on another person's
lines. So the roster records a digest of who spoke when (``turns_digest``) it was given for,
and ``current_roster`` drops it, with a warning, once the video's utterances differ. A re-run
that only moved utterance boundaries drops it too: no names rather than wrong names.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import pandas as pd

from halo.errors import UnknownSpeaker
from halo.store import load_roster

log = logging.getLogger(__name__)

FIRST_LINES = 3  # lines listed per speaker, so a user can tell who is who
LINE_MIN_WORDS = 6  # "Right, okay." tells nobody who is speaking: listed lines say something


@dataclass(frozen=True)
class SpeakerOverview:
    """One diarized speaker as `halo speakers` lists it."""

    label: str
    name: str  # "" = not named
    talk_s: float
    utterances: int
    first_lines: list[tuple[float, str]]  # (start s, text) of its first utterances


def turns_digest(utterances: pd.DataFrame) -> str:
    """A digest of who spoke when in ``utterances`` (start, end, diarized label per row)."""
    rows = utterances.sort_values(["start", "end"], kind="stable") if len(utterances) else utterances
    text = "\n".join(f"{float(s):.2f} {float(e):.2f} {sp}" for s, e, sp in
                     zip(rows.get("start", []), rows.get("end", []), rows.get("speaker", [])))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_roster(video_id: str, utterances: pd.DataFrame) -> dict[str, str]:
    """``video_id``'s stored roster if it was given for these (diarized, unnamed) ``utterances``;
    {} with a warning if the video was processed again since (see the module docstring). A
    roster stored before digests were recorded cannot be checked and is used as it is."""
    names, turns = load_roster(video_id)
    if names and turns and turns != turns_digest(utterances):
        log.warning("Video %r was processed again after its speakers were named, and diarization's labels may "
                    "now stand for other people: its speaker names are not used. Name them again with "
                    "`halo speakers %s --name LABEL=NAME`.", video_id, video_id)
        return {}
    return names


def named(utterances: pd.DataFrame, roster: dict[str, str]) -> pd.DataFrame:
    """``utterances`` with each named label replaced by its name (unnamed labels stay)."""
    if not roster or "speaker" not in utterances:
        return utterances
    return utterances.assign(speaker=utterances["speaker"].map(lambda s: roster.get(s, s) if isinstance(s, str) else s))


def overview(utterances: pd.DataFrame, roster: dict[str, str], lines: int = FIRST_LINES) -> list[SpeakerOverview]:
    """Every diarized speaker, most talk time first, with its name and first ``lines`` lines of
    at least LINE_MIN_WORDS words (any lines if it has none that long)."""
    if not len(utterances):
        return []
    rows = utterances.sort_values("start", kind="stable")
    talk = (rows["end"] - rows["start"]).groupby(rows["speaker"]).sum().sort_values(ascending=False)
    out = []
    for label, seconds in talk.items():
        mine = rows[rows["speaker"] == label]
        telling = mine[mine["text"].astype(str).str.split().str.len() >= LINE_MIN_WORDS]
        shown = (telling if len(telling) else mine).head(lines)
        out.append(SpeakerOverview(str(label), roster.get(str(label), ""), float(seconds), len(mine),
                                   [(float(r.start), str(r.text)) for r in shown.itertuples()]))
    return out


def updated(roster: dict[str, str], names: dict[str, str], labels: set[str], video_id: str) -> dict[str, str]:
    """``roster`` with ``names`` applied (an empty name forgets the label's name); a label the
    video's diarization does not have is refused, naming the ones it has, and so is a name that
    is another of its labels (SPEAKER_00 named "SPEAKER_01" would merge with SPEAKER_01's lines
    while SPEAKER_01 is listed as unnamed)."""
    names = {label: " ".join(name.split()) for label, name in names.items()}
    unknown = sorted(set(names) - labels)
    if unknown:
        raise UnknownSpeaker(f"Video {video_id!r} has no speaker {', '.join(unknown)}; its speakers are "
                             f"{', '.join(sorted(labels)) or 'none'} (`halo speakers {video_id}` lists them).")
    taken = sorted(f"{label}={name}" for label, name in names.items() if name in labels - {label})
    if taken:
        raise UnknownSpeaker(f"Video {video_id!r}: {', '.join(taken)} gives a speaker another speaker's label; "
                             "give two labels one person's name instead (--name SPEAKER_00=Ann --name SPEAKER_01=Ann).")
    out = dict(roster)
    for label, name in names.items():
        if name:
            out[label] = name
        else:
            out.pop(label, None)
    return out
