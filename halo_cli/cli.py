"""The `halo` command (also `python -m halo`).

The CLI is HALO's composition root: commands that drive Dagster import halo_assets lazily,
so `halo` starts fast and the domain library stays free of Dagster imports.
"""

from __future__ import annotations

import click

from halo.paths import ensure_dagster_home


@click.group()
@click.version_option(package_name="halo")
def main() -> None:
    """HALO: long videos -> cached, cost-audited knowledge for Gemini."""
    ensure_dagster_home()


@main.command()
@click.option("--video", "video_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Video to run on (default: the bundled sample, data/samples/meeting.mp4).")
def demo(video_path: str | None) -> None:
    """Run the whole pipeline on the bundled sample video and print what it produced."""
    from rich.console import Console

    from halo.paths import samples_dir
    from halo.report import print_report
    from halo_assets.registration import add_video, failure_messages, run_video

    console = Console()
    path = video_path or str(samples_dir() / "meeting.mp4")
    entry = add_video(path)
    console.rule(f"HALO demo: {entry.video_id} ({path})")
    result = run_video(entry.video_id)
    print_report(entry.video_id, console)
    if not result.success:
        for message in failure_messages(result):
            console.print(f"[red]failed[/] {message}")
        raise SystemExit(1)
    console.print(f"[green]Done.[/] Open the Dagster UI with `make ui` to see lineage and metadata of {entry.video_id}.")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--id", "video_id", default=None, help="Video id to use (default: a slug of the file name).")
@click.option("--run/--no-run", default=False, help="Also process the video now, in this process.")
@click.option("--replace", is_flag=True, help="Let --id move from the file it stands for to PATH.")
def add(path: str, video_id: str | None, run: bool, replace: bool) -> None:
    """Register the video at PATH and add its partition; print its video id."""
    from halo.errors import HaloError
    from halo_assets.registration import add_video, failure_messages, run_video

    try:
        entry = add_video(path, video_id, replace=replace)
    except HaloError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(entry.video_id)
    if not run:
        click.echo(f"Process it with `halo add {path!r} --id {entry.video_id} --run`, the UI or the daemon's schedule.", err=True)
        return
    result = run_video(entry.video_id)
    if not result.success:
        raise click.ClickException(f"Processing {entry.video_id} failed:\n" + "\n".join(failure_messages(result)))
    click.echo(f"Processed {entry.video_id}.", err=True)


@main.command()
@click.argument("video_id")
@click.option("--json", "as_json", is_flag=True, help="Print the costs and baselines as JSON.")
def report(video_id: str, as_json: bool) -> None:
    """Print everything stored for VIDEO_ID: scenes, speakers, chunks, summaries, costs."""
    from halo.report import print_report, report_json

    if as_json:
        import json

        click.echo(json.dumps(report_json(video_id), indent=2))
        return
    print_report(video_id)


@main.group(name="eval")
def eval_group() -> None:
    """Evaluations against human ground truth."""


@eval_group.command("segmentation")
@click.option("--choi", "choi_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of Choi .ref files (searched recursively).")
@click.option("--qmsum", "qmsum_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="QMSum .json or .jsonl file (topic spans are the truth).")
@click.option("--limit", type=int, default=None, help="Evaluate only N documents per benchmark.")
@click.option("--topics/--no-topics", default=False, help="Fit BERTopic per meeting (slow).")
@click.option("--bertscore/--no-bertscore", default=False, help="BERTScore gap coherence (slow).")
@click.option("--ablation", is_flag=True, help="Add one row per signal (QMSum).")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON for scripts.")
@click.option("--ppo", "ppo_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Trained PPO policy zip: add a table of every method on the QMSum meetings "
                   "it was not trained on (needs --qmsum).")
def eval_segmentation(choi_dir, qmsum_file, limit, topics, bertscore, ablation, as_json,
                      ppo_path) -> None:
    """Pk/WindowDiff of the chunker vs fixed-length and TextTiling baselines."""
    from halo.eval.segmentation import print_rows, segmentation_report

    if not choi_dir and not qmsum_file:
        raise click.UsageError("give --choi DIR and/or --qmsum FILE")
    if ppo_path and not qmsum_file:
        raise click.UsageError("--ppo needs --qmsum FILE (the policy is scored on held-out meetings)")
    rows = segmentation_report(choi_dir, qmsum_file, limit=limit, with_topics=topics,
                               with_bertscore=bertscore, ablation=ablation)
    if ppo_path:
        from halo.eval.ppo import heldout_report

        rows += heldout_report(qmsum_file, ppo_path, limit=limit)
    print_rows(rows, as_json)


if __name__ == "__main__":
    main()


@main.group(name="cache")
def cache_group() -> None:
    """The answer cache (REDIS_URL, else the embedded redis-server in data/cache)."""


def _cache():
    from halo_resources.environments import get_resources

    return get_resources()["cache"].process_config_and_initialize().get_cache()


@cache_group.command("stats")
@click.option("--video", "video_id", default=None, help="Only this video's hits, misses and savings.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw statistics as JSON.")
def cache_stats(video_id: str | None, as_json: bool) -> None:
    """Hits and misses per tier, sizes against bounds, tokens and dollars saved."""
    import json

    stats = _cache().stats(video_id)
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    if not stats.get("available"):
        raise click.ClickException(f"Redis at {stats.get('redis') or '(embedded)'} is not reachable.")
    click.echo(f"cache at {stats['redis']}" + (f", video {video_id}" if video_id else ""))
    for tier in ("l1", "l2", "l3"):
        t = stats[tier]
        click.echo(f"  {tier}: {t['hits']} hits, {t['misses']} misses ({t['hit_rate']:.1%}), "
                   f"{t['size']}/{t['max_size']} entries, {t['evictions']} evicted")
    click.echo(f"  lookups {stats['lookups']}, hit rate {stats['hit_rate']:.1%}; saved "
               f"{stats['input_tokens_saved']:,} input + {stats['output_tokens_saved']:,} output tokens, "
               f"${stats['usd_saved']:.4f}")


@cache_group.command("clear")
@click.option("--video", "video_id", default=None, help="Clear only this video's entries.")
def cache_clear(video_id: str | None) -> None:
    """Delete cached answers and summaries (all, or one video's). Statistics are kept."""
    from halo.errors import HaloError

    cache = _cache()
    if not cache.available:
        raise click.ClickException(f"Redis at {cache.url or '(embedded)'} is not reachable; nothing cleared.")
    try:
        removed = cache.clear(video_id)
    except HaloError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"removed {removed} cache entries" + (f" of {video_id}" if video_id else ""))


@cache_group.command("stop")
def cache_stop() -> None:
    """Stop the embedded redis-server (it saves its data first; the next run restarts it)."""
    from halo.cache.redis_server import stop_embedded_redis

    click.echo("stopped the embedded redis-server" if stop_embedded_redis() else "no embedded redis-server was running")


def _conversation(video_id: str, session: str):
    """A Conversation on VIDEO_ID with the environment's Gemini and cache resources (halo ask/chat)."""
    from halo.qa import QA_ASSET, Conversation, VideoQA, validate_session_id
    from halo_resources.environments import get_resources

    validate_session_id(session)
    video = VideoQA.load(video_id)
    resources = get_resources()
    cache = resources["cache"].process_config_and_initialize().get_cache()
    gemini = resources["gemini"].process_config_and_initialize()
    return Conversation(video, gemini.service(video_id, QA_ASSET, run_id=f"qa-{session}", cache=cache), session)


def _print_turn(turn, as_json: bool) -> None:
    import dataclasses
    import json

    from halo.llm.prompts import clock

    if as_json:
        click.echo(json.dumps(dataclasses.asdict(turn), indent=2))
        return
    click.echo(turn.answer)
    cited = ", ".join(c["label"] for c in turn.citations) or "none"
    parts = ", ".join(f"[{clock(r['start'])}-{clock(r['end'])}]" for r in turn.retrieved)
    click.echo(f"  cited: {cited}   retrieved parts: {parts}", err=True)
    if turn.rewrite_backend:
        click.echo(f"  read as: {turn.standalone}  ({turn.rewrite_backend})", err=True)
    served = f"cache {turn.cache_tier}" if turn.cache_tier else turn.backend
    click.echo(f"  {served} ({turn.model}), tokens in/cached/out {turn.input_tokens}/{turn.cached_tokens}/"
               f"{turn.output_tokens}, ${turn.cost_usd:.6f}; naive whole video: {turn.naive_tokens:,} "
               f"tokens, ${turn.naive_cost_usd:.4f}", err=True)


@main.command()
@click.argument("video_id")
@click.argument("question")
@click.option("--session", default="default", show_default=True,
              help="Conversation to continue (follow-ups read the earlier turns).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole turn as JSON.")
def ask(video_id: str, question: str, session: str, as_json: bool) -> None:
    """Answer QUESTION about the processed video VIDEO_ID, citing [mm:ss] times."""
    from halo.errors import HaloError

    try:
        turn = _conversation(video_id, session).ask(question)
    except HaloError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_turn(turn, as_json)


@main.command()
@click.argument("video_id")
@click.option("--session", default="default", show_default=True, help="Conversation to continue.")
def chat(video_id: str, session: str) -> None:
    """Ask questions about VIDEO_ID one per line until EOF or "exit"."""
    import sys

    from halo.errors import HaloError

    try:
        convo = _conversation(video_id, session)
    except HaloError as exc:
        raise click.ClickException(str(exc)) from exc
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Session {session!r} on {video_id} ({len(convo.turns)} earlier turns). "
                   "Ask a question; 'exit' or Ctrl-D to stop.", err=True)
    while True:
        if interactive:
            click.echo("> ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line or line.strip().lower() in ("exit", "quit"):
            break
        if not line.strip():
            continue
        try:
            _print_turn(convo.ask(line.strip()), False)
        except HaloError as exc:
            click.echo(f"error: {exc}", err=True)
    click.echo(f"saved {len(convo.turns)} turns to {convo.path}", err=True)


@main.command()
@click.argument("video_id")
@click.option("--json", "as_json", is_flag=True, help="Print the sessions as JSON.")
def sessions(video_id: str, as_json: bool) -> None:
    """List the stored Q&A sessions of VIDEO_ID."""
    import json
    import time

    from halo.errors import HaloError
    from halo.qa import list_sessions

    try:
        found = list_sessions(video_id)
    except HaloError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [{"session": s.session_id, "turns": len(s.turns), "cost_usd": round(s.cost_usd, 8),
             "updated": time.strftime("%Y-%m-%d %H:%M", time.localtime(s.updated)),
             "last_question": s.turns[-1].question if s.turns else ""} for s in found]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"No Q&A sessions for {video_id} yet: `halo ask {video_id} \"...\"` starts one.")
    for r in rows:
        click.echo(f"{r['session']:20s} {r['turns']:3d} turns  ${r['cost_usd']:.6f}  {r['updated']}  "
                   f"last: {r['last_question'][:60]}")
