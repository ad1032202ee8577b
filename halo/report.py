"""The end-of-run summary a user reads in the terminal (`halo demo`, `halo report ID`).

It reads only the stored Parquet outputs, so it shows exactly what the assets produced and
works for any video materialized by any run (CLI, UI, schedule).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from halo.errors import UnknownVideo
from halo.ids import validate_video_id
from halo.cost_audit import baseline_model
from halo.llm.baseline import MediaStreams, cost_comparison, probed_streams
from halo.llm.ledger import read_ledger, summarize_costs
from halo.llm.prompts import clock
from halo.speech.roster import SpeakerOverview, current_roster, overview
from halo.staleness import stale_outputs
from halo.store import kept_when_dropped, load_output, parquet_root, stored_media


def _scenes_table(scenes: pd.DataFrame) -> Table:
    table = Table(title=f"Scenes ({len(scenes)})", show_lines=False)
    for column in ("#", "start", "end", "keyframe"):
        table.add_column(column)
    for row in scenes.itertuples():
        table.add_row(str(row.scene_id), clock(row.start), clock(row.end), Path(row.keyframe_path).name)
    return table


def _speakers_table(speakers: list[SpeakerOverview]) -> Table:
    table = Table(title=f"Speakers ({len(speakers)})")
    for column in ("speaker", "name", "talk time", "utterances"):
        table.add_column(column)
    for s in speakers:
        table.add_row(s.label, s.name, clock(s.talk_s), str(s.utterances))
    return table


def _chunks_table(chunks: pd.DataFrame, summaries: pd.DataFrame | None) -> Table:
    table = Table(title=f"Chunks ({len(chunks)})")
    for column in ("#", "start", "end", "tokens", "coherence", "why cut", "summary"):
        table.add_column(column, overflow="fold")
    by_id = summaries.set_index("chunk_id").summary if summaries is not None else {}
    for row in chunks.itertuples():
        summary = str(by_id.get(row.chunk_id, ""))[:90]
        table.add_row(
            str(row.chunk_id), clock(row.start), clock(row.end), str(row.n_tokens),
            f"{row.coherence:.2f}", str(row.boundary_reason).split(" + ")[0], summary,
        )
    return table


def _costs_panel(ledger: pd.DataFrame, duration_s: float | None, streams: MediaStreams = MediaStreams()) -> Panel:
    totals = summarize_costs(ledger)
    backends = ", ".join(sorted(ledger.backend.astype(str).unique())) or "none"
    lines = [
        f"LLM calls: {totals['calls']} (cache hits {totals['cache_hits']})  backend: {backends}",
        f"tokens in/cached/out: {totals['input_tokens']:,} / {totals['cached_tokens']:,} / "
        f"{totals['output_tokens']:,}   spent: ${totals['cost_usd']:.4f}",
        f"naive baseline for the same work: {totals['naive_tokens']:,} tokens, ${totals['naive_cost_usd']:.4f}",
    ]
    if duration_s:
        c = cost_comparison(ledger, duration_s, baseline_model(ledger), streams=streams)
        ratio = "n/a: HALO spent $0" if c["naive_smart_over_halo"] is None else f"{c['naive_smart_over_halo']}x"
        lines.append(
            f"USD per question ({c['session_questions']}-question session, {c['questions_asked']} asked, "
            f"priced as {c['baseline_model']}): HALO ${c['halo_usd_per_question']:.6f} | naive default "
            f"${c['naive_default_usd_per_question']:.4f} | naive low-res ${c['naive_low_res_usd_per_question']:.4f} "
            f"| smart naive ${c['naive_smart_usd_per_question']:.4f} | fixed chunks "
            f"${c['fixed_chunks_usd_per_question']:.4f}  (smart naive / HALO = {ratio})")
    if "local" in backends:
        lines.append("[yellow]local backend: extractive summaries, no LLM (set GEMINI_API_KEY for Gemini)[/]")
    return Panel("\n".join(lines), title="Cost ledger")


def _stale_panel(video_id: str, stale: dict[str, str], current_sha: str) -> Panel:
    names = ", ".join(sorted(stale))
    return Panel(
        f"[red]Not shown: {names}[/] - made from an earlier version of the source file "
        f"(sha256 {next(iter(stale.values()))[:12]}...; the file is now {current_sha[:12]}...).\n"
        f"Process the video again to rebuild them: `halo add PATH --id {video_id} --run`.",
        title="Stale outputs",
    )


def _check_registered(video_id: str) -> None:
    """UnknownVideo, saying how to process it, when ``video_id`` has nothing stored and no file."""
    from halo import registry

    if video_id not in registry.all_videos():
        raise UnknownVideo(f"Unknown video {video_id!r}: nothing is stored for it and it is not "
                           "registered. Fix: `halo process PATH` (or `halo add PATH --run`) first.")


def report_json(video_id: str) -> dict:
    """Costs of ``video_id`` for scripts (`halo report VIDEO --json`): ledger totals and the
    per-question / per-video comparison with every baseline."""
    probe = load_output("video_file", video_id)
    ledger = read_ledger(validate_video_id(video_id))
    if probe is None and not len(ledger):
        _check_registered(video_id)  # else an unknown id printed zeros and exited 0
    duration = float(probe.iloc[0].duration_s) if probe is not None and len(probe) else 0.0
    return {"video_id": video_id, "duration_s": duration, **summarize_costs(ledger),
            **cost_comparison(ledger, duration, baseline_model(ledger), streams=probed_streams(probe))}


def _audio_text(has_audio: bool, audio: pd.DataFrame | None) -> str:
    """'yes' / 'no', or which track was transcribed when the file has several (and why): a
    dubbed film or a recording with a commentary track is only right if the right one was used."""
    if not has_audio:
        return "no"
    row = audio.iloc[0] if audio is not None and len(audio) else None
    tracks = int(row.get("audio_tracks", 1) or 1) if row is not None else 1
    if tracks < 2:  # one track, or stored before the track count was
        return "yes"
    return f"track {int(row['audio_track'])} of {tracks} ({row['track_choice']})"


def _stands_for_no_file(video_id: str) -> bool:
    """Whether ``video_id`` was dropped (halo.store.remove_outputs, when `halo add --replace`
    moved its file to another id): of its outputs only what audits its spend is stored, and it
    is not registered (read only for such an id, so a report of a processed video does not
    depend on the registry being readable)."""
    stored = {p.parent.name for p in parquet_root().glob(f"*/{validate_video_id(video_id)}.parquet")}
    if not stored <= kept_when_dropped():
        return False
    from halo import registry

    return video_id not in registry.all_videos()


def build_report(video_id: str) -> Group:
    """A rich renderable summarising every stored output of ``video_id``.

    Outputs made from an older version of the source file (halo.staleness) are not mixed in
    with the current probe: they are named in a "Stale outputs" panel instead.
    """
    parts: list = []
    stale = stale_outputs(validate_video_id(video_id), parquet_root())

    def output(asset: str) -> pd.DataFrame | None:
        return None if asset in stale else load_output(asset, video_id)

    probe = output("video_file")
    dropped = _stands_for_no_file(video_id)
    if probe is not None and not dropped:  # a dropped id's probe names the file another id has now
        p = probe.iloc[0]
        picture = f"{p.width}x{p.height} @ {p.fps:.2f} fps" if p.get("has_video", True) else "audio only"
        parts.append(Panel(
            f"{p.path}\n{p.duration_s:.1f} s, {picture}, "
            f"audio: {_audio_text(bool(p.has_audio), output('audio'))}, {p.size_bytes / 1e6:.1f} MB",
            title=f"Video {video_id}",
        ))
        if stale:
            parts.append(_stale_panel(video_id, stale, str(p.sha256)))
        from halo import registry

        changed = registry.source_changed(video_id)
        if changed:  # the panel above is the file as it was processed, not as it is now
            parts.append(Panel(Text(changed), title="Source file changed", border_style="yellow"))
    scenes = output("scenes")
    if scenes is not None:
        parts.append(_scenes_table(scenes))
    utterances = output("utterances")
    if utterances is not None and len(utterances):
        parts.append(_speakers_table(overview(utterances, current_roster(video_id, utterances))))
    transcript = output("transcript")
    if transcript is not None:
        n_words = int(transcript.text.str.split().str.len().sum()) if len(transcript) else 0
        parts.append(f"Transcript: {len(transcript)} segments, {n_words} words")
    chunks = output("chunks")
    if chunks is not None:
        parts.append(_chunks_table(chunks, output("chunk_summaries")))
        timeline = stored_media(video_id) / "chunk_timeline.png"
        if timeline.exists():
            parts.append(f"Chunk timeline (speakers, scenes, topics, cuts): {timeline}")
    summary = output("video_summary")
    if summary is not None and len(summary):
        s = summary.iloc[0]
        chapters = "\n".join(f"  {clock(c['start'])}  {c['title']}" for c in s.chapters)
        parts.append(Panel(f"{s.summary}\n\nChapters:\n{chapters}", title="Video summary"))
    # The ledger store, not the cost_ledger asset: that is a snapshot taken at the end of the last
    # run, so questions asked since (halo ask) were missing here while `--json` counted them.
    ledger = read_ledger(video_id)
    if len(ledger) or output("cost_ledger") is not None:
        parts.append(_costs_panel(ledger, float(probe.iloc[0].duration_s) if probe is not None else None,
                                  probed_streams(probe)))
    if dropped and parts:
        parts.insert(0, f"Video {video_id} stands for no file any more (it was moved to another id with "
                        "`halo add --replace`): only the money spent on it is kept.")
    if not parts:
        from halo import registry

        _check_registered(video_id)
        parts.append(f"Nothing materialized yet for {video_id}: it is registered; process it with "
                     f"`halo add {shlex.quote(registry.lookup(video_id).path)} --id {video_id} --run`.")
    return Group(*parts)


def print_report(video_id: str, console: Console | None = None) -> None:
    (console or Console()).print(build_report(video_id))
