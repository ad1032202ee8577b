"""The `halo` command (also `python -m halo` / `python -m halo_cli`).

The CLI is HALO's composition root: commands import halo_assets / Dagster lazily, so `halo`
starts fast. Rules every command keeps: exit 0 on success; exit 1 with one line naming the video
and the fix on a user error (any HaloError, never a traceback); stdout carries only the result
(ids, answers, JSON when asked), while progress and library logs go to stderr.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import sys
from typing import Any, Iterator, NoReturn

import click

from halo.errors import HaloError, QuestionFailed
from halo.paths import ensure_dagster_home
from halo.qa.sessions import SESSION_NAMES  # in --help: `--session NEW` was refused unannounced
from halo_cli.counts import counted


class _HaloGroup(click.Group):
    """Turns any HaloError raised by a command into click's one-line `Error: ...`, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HaloError as exc:
            raise click.ClickException(" ".join(str(exc).split())) from None


class _ToStderr(logging.Handler):
    """Records as lines on the stderr of the moment (click's test runner swaps it per command)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


#: loggers whose warnings every command shows on stderr, whatever logging set-up the libraries made
#: (Dagster's instance settings: a DAGSTER_HOME without dagster.yaml, halo_assets.registration)
SHOWN_LOGGERS = ("halo_assets.registration",)


def _show_warnings() -> None:
    for name in SHOWN_LOGGERS:
        shown = logging.getLogger(name)
        if not any(isinstance(h, _ToStderr) for h in shown.handlers):
            shown.addHandler(_ToStderr(logging.WARNING))
            shown.propagate = False


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout meanwhile (Python and C libraries alike) to stderr,
    so `id=$(halo process ...)` captures only what the command itself prints afterwards."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


@click.group(cls=_HaloGroup)
@click.version_option(package_name="halo")
@click.option("--model", "model_name", default=None, metavar="NAME",
              help="Gemini model for summaries and answers (default: the Gemini resource's flash_model).")
@click.option("--gemini-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Seconds before a Gemini call is abandoned and retried (default 60). A call is retried "
                   "up to 4 times with backoff, so one that keeps timing out gives up after several times this.")
@click.pass_context
def main(ctx: click.Context, model_name: str | None, gemini_timeout: float | None) -> None:
    """HALO: long videos -> cached, cost-audited knowledge for Gemini."""
    if model_name:  # a retired or unpriced --model fails before anything, naming the flag to change
        from halo.llm.pricing import check_model_name

        check_model_name(model_name, setting="--model", otherwise="Or leave --model out for the default model.")
    ensure_dagster_home()
    _show_warnings()
    ctx.ensure_object(dict).update(model_name=model_name, gemini_timeout=gemini_timeout)


def _pipeline(ctx: click.Context, **chunking: Any):
    """A HALOPipeline with the environment's resources and this invocation's Gemini options."""
    from halo.models import ChunkingConfig, GeminiConfig
    from halo_cli.pipeline import HALOPipeline

    options = ctx.find_root().obj or {}
    gemini_config = None
    if options.get("model_name") or options.get("gemini_timeout"):
        from halo_resources.environments import get_resources

        res = get_resources()["gemini"]
        gemini_config = GeminiConfig(
            model_name=options.get("model_name") or res.flash_model, max_tokens=res.max_output_tokens,
            temperature=res.temperature, batch_size=res.batch_size,
            timeout_s=options.get("gemini_timeout") or res.timeout_s, use_mock=res.use_local)
    return HALOPipeline(chunking_config=ChunkingConfig(**chunking), gemini_config=gemini_config)


def _print_answer(answer, as_json: bool) -> None:
    from halo.llm.prompts import clock
    from halo_cli.pipeline import answer_json

    if as_json:
        click.echo(answer_json(answer))
        return
    click.echo(answer.response_text)
    cited = ", ".join(f"[{clock(c['start'])}-{clock(c['end'])}] "
                      f"{'on screen' if c.get('on_screen') else c['speaker'] or '?'} (chunk {c['chunk_id']})"
                      for c in answer.citations) or "none"
    click.echo(f"  cited: {cited}", err=True)
    if answer.rewrite_backend:
        click.echo(f"  read as: {answer.standalone}  ({answer.rewrite_backend})", err=True)
    served = f"cache {answer.cache_tier}" if answer.cache_tier else answer.backend
    click.echo(f"  {served} ({answer.model}), tokens in/cached/out {answer.input_tokens}/{answer.cached_tokens}/"
               f"{answer.output_tokens}, ${answer.cost_usd:.6f}; naive whole video: {answer.naive_tokens:,} "
               f"tokens, ${answer.naive_cost_usd:.4f}", err=True)


@main.command()
@click.option("--video", "video_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Video to run on (default: the bundled sample, data/samples/meeting.mp4).")
@click.pass_context
def demo(ctx: click.Context, video_path: str | None) -> None:
    """Run the whole pipeline on the bundled sample video and print what it produced."""
    from rich.console import Console

    from halo.paths import samples_dir
    from halo.report import print_report

    console = Console()
    path = video_path or str(samples_dir() / "meeting.mp4")
    console.rule(f"HALO demo: {path}")
    pipeline = _pipeline(ctx)
    with stdout_to_stderr():
        pipeline.process_video(path)
    print_report(pipeline.video_id, console)
    console.print(f"[green]Done.[/] Open the Dagster UI with `make ui` to see lineage and metadata of "
                  f"{pipeline.video_id}.")


@main.command()
@click.argument("video", type=click.Path(dir_okay=False))
@click.option("--query", default=None, help="A question to answer once the video is processed.")
@click.option("--use-rl-chunker", is_flag=True, help="Cut chunks with the trained PPO policy instead of the rules.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False), default=None,
              help="Also write everything stored for the video to this JSON file.")
@click.option("--id", "video_id", default=None, help="Video id to use (default: a slug of the file name).")
@click.option("--min-chunk-duration", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Shortest chunk (default 20).")
@click.option("--max-chunk-duration", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Longest chunk (default 300).")
@click.pass_context
def process(ctx: click.Context, video: str, query: str | None, use_rl_chunker: bool,
            export_path: str | None, video_id: str | None, min_chunk_duration: float | None,
            max_chunk_duration: float | None) -> None:
    """Register VIDEO, materialize every asset through Dagster, answer --query; print the video id
    (then the answer). Outputs made with the same settings for the same file are reused."""
    from halo_cli.export import write_export

    limits = {k: v for k, v in (("min_chunk_duration", min_chunk_duration),
                                ("max_chunk_duration", max_chunk_duration)) if v is not None}
    from pydantic import ValidationError

    try:
        pipeline = _pipeline(ctx, use_rl_chunker=use_rl_chunker, **limits)
    except ValidationError as exc:  # limits that contradict each other (or the defaults): one line, exit 1
        raise click.ClickException("; ".join(str(e.get("ctx", {}).get("error", e["msg"]))
                                             for e in exc.errors())) from None
    unanswered = None
    with stdout_to_stderr():
        try:
            chunks, results, metrics = pipeline.process_video(video, query=query, video_id=video_id)
        except QuestionFailed as exc:  # processed all the same: exported, and its id printed as on success
            unanswered = exc
        if export_path:
            write_export(pipeline, pipeline.video_id, export_path)
    if unanswered is not None:
        click.echo(unanswered.video_id)  # so `id=$(halo process ...)` and the `halo ask ID` in the error work
        raise unanswered
    click.echo(results["video_id"])
    # A reused video's stage seconds are those of the run that made its outputs, not of this command.
    ran = (f"{sum(metrics['stage_seconds'].values()):.1f} s in stages" if metrics["run_id"] else
           "outputs reused (this file was processed with these settings before)")
    click.echo(f"{counted(len(chunks), 'chunk')}; the video's LLM calls so far {metrics['calls']}, ${metrics['cost_usd']:.4f} "
               f"(naive baseline ${metrics['naive_cost_usd']:.4f}); {ran}"
               + (f"; exported to {export_path}" if export_path else ""), err=True)
    if results["answer"] is not None:
        _print_answer(results["answer"], as_json=False)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--id", "video_id", default=None, help="Video id to use (default: a slug of the file name).")
@click.option("--run/--no-run", default=False, help="Also process the video now, in this process.")
@click.option("--replace", is_flag=True, help="Let --id move from the file it stands for to PATH, and PATH from the id it has to --id.")
@click.pass_context
def add(ctx: click.Context, path: str, video_id: str | None, run: bool, replace: bool) -> None:
    """Register the video at PATH and add its partition; print its video id."""
    from halo_assets.registration import add_video

    if run:
        pipeline = _pipeline(ctx)
        with stdout_to_stderr():
            pipeline.process_video(path, video_id=video_id, replace=replace)
        click.echo(pipeline.video_id)
        click.echo(f"Processed {pipeline.video_id}.", err=True)
        return
    with stdout_to_stderr():
        entry = add_video(path, video_id, replace=replace)
    click.echo(entry.video_id)
    click.echo(f"Process it with `halo add {shlex.quote(path)} --id {entry.video_id} --run`, the UI or the daemon's "
               "schedule.", err=True)


@main.command()
@click.argument("video_id")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def export(video_id: str, file: str) -> None:
    """Write VIDEO_ID's video, chunks, summaries, chapters, Q&A turns, costs and metrics as JSON
    to FILE ("-" = stdout)."""
    from halo_cli.export import write_export
    from halo_cli.pipeline import HALOPipeline

    with stdout_to_stderr():
        text = write_export(HALOPipeline(), video_id, None if file == "-" else file)
    if file == "-":
        click.echo(text)
    else:
        click.echo(f"wrote {file}", err=True)


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


@main.group(name="cache")
def cache_group() -> None:
    """The answer cache (REDIS_URL, else the embedded redis-server in data/cache)."""


def _cache():
    from halo_resources.environments import environment_cache

    return environment_cache()


def _unreachable(cache) -> str:
    """Why the cache's Redis cannot be used and what to do: a REDIS_URL named (password hidden),
    or the embedded server's own start-up error (e.g. a read-only data/cache folder)."""
    from halo.cache.tiered import redact_url

    url = cache.config.redis_url
    if url:
        return (f"Redis at REDIS_URL {redact_url(url)} is not reachable: start it or fix REDIS_URL "
                "(unset it to use the embedded redis-server)")
    from halo.cache.redis_server import ensure_embedded_redis
    from halo.paths import cache_dir

    try:
        ensure_embedded_redis()
        why = "it did not answer"
    except Exception as exc:  # noqa: BLE001 - its reason is the message
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return (f"The embedded redis-server under {cache_dir()} could not be started or reached ({why}): make "
            "that folder writable (HALO_DATA_DIR), or set REDIS_URL to a Redis you run")


def _check_cached_video(cache, video_id: str) -> None:
    """UnknownVideo when the cache never had anything of ``video_id`` and it is not registered here:
    a mistyped id said "removed 0 cache entries of tlak" (or printed zero hits) and exited 0. An id
    the cache knows but this registry does not (a REDIS_URL shared with other machines) is fine."""
    from halo import registry
    from halo.errors import UnknownVideo

    known = registry.all_videos()
    if video_id not in known and not cache.knows(video_id):
        listed = f" Registered videos: {', '.join(sorted(known)[:10])}." if known else ""
        raise UnknownVideo(f"Unknown video {video_id!r}: it is not registered and the cache holds nothing "
                           f"of it; check the id (`halo cache stats` without --video covers every video).{listed}")


@cache_group.command("stats")
@click.option("--video", "video_id", default=None, help="Only this video's hits, misses and savings.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw statistics as JSON.")
def cache_stats(video_id: str | None, as_json: bool) -> None:
    """Hits and misses per tier, sizes against bounds, tokens and dollars saved."""
    import json

    cache = _cache()
    stats = cache.stats(video_id)
    if video_id and stats.get("available"):
        _check_cached_video(cache, video_id)
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    if not stats.get("available"):
        raise click.ClickException(f"{_unreachable(cache)}.")
    click.echo(f"cache at {stats['redis']}" + (f", video {video_id}" if video_id else ""))
    for tier in ("l1", "l2", "l3"):
        t = stats[tier]
        click.echo(f"  {tier}: {counted(t['hits'], 'hit')}, {counted(t['misses'], 'miss', 'misses')} ({t['hit_rate']:.1%}), "
                   f"{t['size']}/{t['max_size']} entries, {t['evictions']} evicted")
    if stats["l2"].get("rejections"):
        click.echo("  l2 candidates refused by the verifier: " + ", ".join(f"{k} {v}" for k, v in stats["l2"]["rejections"].items()))
    click.echo(f"  lookups {stats['lookups']}, hit rate {stats['hit_rate']:.1%}; saved "
               f"{stats['input_tokens_saved']:,} input + {stats['output_tokens_saved']:,} output tokens, "
               f"${stats['usd_saved']:.4f}")


@cache_group.command("clear")
@click.option("--video", "video_id", default=None, help="Clear only this video's entries.")
def cache_clear(video_id: str | None) -> None:
    """Delete cached answers and summaries (all, or one video's). Statistics are kept."""
    cache = _cache()
    if not cache.available:
        raise click.ClickException(f"{_unreachable(cache)}; nothing cleared.")
    removed = cache.clear(video_id)
    if video_id:
        _check_cached_video(cache, video_id)
    click.echo(f"removed {counted(removed, 'cache entry', 'cache entries')}" + (f" of {video_id}" if video_id else ""))


@cache_group.command("stop")
def cache_stop() -> None:
    """Stop the embedded redis-server (it saves its data first; the next run restarts it)."""
    from halo.cache.redis_server import stop_embedded_redis

    click.echo("stopped the embedded redis-server" if stop_embedded_redis() else "no embedded redis-server was running")


@main.command()
@click.argument("video")
@click.argument("question")
@click.option("--session", default="default", show_default=True, help=f"Conversation to continue or start "
              f"(follow-ups read the earlier turns); {SESSION_NAMES}.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
@click.pass_context
def ask(ctx: click.Context, video: str, question: str, session: str, as_json: bool) -> None:
    """Answer QUESTION about VIDEO (a processed video's id, or a file: processed first if needed),
    citing [mm:ss] spans with speakers."""
    from halo_cli.pipeline import check_question

    check_question(question)
    answer = None if _looks_like_path(video) else _ask_light(ctx, video, question, session)
    if answer is not None:
        _print_answer(answer, as_json)
        if (ctx.find_root().obj or {}).get(OWN_PROCESS):
            _leave(0)  # nothing heavier than the answer's own files was opened: see _leave
        return
    pipeline = _pipeline(ctx)
    with stdout_to_stderr():
        video_id = pipeline.processed_id(video) if _looks_like_path(video) else video
        answer = pipeline.ask_question(question, video_id, session=session)
    _print_answer(answer, as_json)


def _ask_light(ctx: click.Context, video_id: str, question: str, session: str):
    """The answer without Dagster (halo.qa.cached), or None when the resources are needed.

    A repeated question comes from the exact cache with nothing else loaded; a new one, with the
    local backend, is answered by a Conversation on the service the resources would give, built
    from the environment alone (no model check or budget to prime for the local backend)."""
    from halo.qa.cached import answer_from_cache, light_backend, light_service
    from halo.qa.sessions import validate_session_id
    from halo.registry import warn_if_changed
    from halo_cli.pipeline import Answer, answer_in

    validate_session_id(session)
    model_name = (ctx.find_root().obj or {}).get("model_name")  # checked by main()
    hit = answer_from_cache(video_id, question, session, model_name=model_name)
    if hit is not None:
        warn_if_changed(video_id)
        return Answer.from_turn(video_id, session, hit.turn, hit.cited)
    if not light_backend():
        return None
    from halo.qa import Conversation, VideoQA

    with stdout_to_stderr():
        convo = Conversation(VideoQA.load(video_id), light_service(video_id, session, model_name), session)
        warn_if_changed(video_id)
        return answer_in(convo, question)


#: ctx.obj key set by ``run``: the command owns its process (not a CliRunner in a test, not a notebook).
OWN_PROCESS = "own_process"


def run() -> None:
    """The `halo` process (`python -m halo`, `python -m halo_cli`): ``main`` owning the process."""
    main(obj={OWN_PROCESS: True})


def _leave(code: int) -> NoReturn:
    """End the process the way Python would, without tearing the interpreter down.

    `halo ask` is a new process per question, and freeing every module it imported (pandas,
    NumPy, redis-py, pydantic) took 0.15 s of CPU after a cached answer (a quarter of the
    process) and 0.5 s after a new one. Everything Python's own exit does for the program still
    happens first: other non-daemon threads are joined, ``atexit`` handlers run (logging is
    flushed), stdout and stderr are flushed. What is skipped is freeing memory the OS takes back
    anyway, and finalizers of objects still alive: used after the answer was given without
    Dagster (``_ask_light``), whose files (session, ledger, memo) are written and closed by then.
    """
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _looks_like_path(video: str) -> bool:
    """A file name or path (what an id can never be: ids have no dots or slashes)."""
    return os.path.exists(video) or os.sep in video or "." in video


@main.command()
@click.argument("video_id")
@click.option("--session", default="default", show_default=True,
              help=f"Conversation to continue or start; {SESSION_NAMES}.")
@click.pass_context
def chat(ctx: click.Context, video_id: str, session: str) -> None:
    """Ask questions about VIDEO_ID one per line until EOF or "exit"."""
    pipeline = _pipeline(ctx)
    with stdout_to_stderr():
        convo = pipeline.conversation(video_id, session)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Session {session!r} on {video_id} ({counted(len(convo.turns), 'earlier turn')}). "
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
            with stdout_to_stderr():
                answer = pipeline.answer(convo, line)
            _print_answer(answer, False)
        except HaloError as exc:
            click.echo(f"error: {exc}", err=True)
    click.echo(f"saved {counted(len(convo.turns), 'turn')} to {convo.path}", err=True)


def _label_and_name(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    names = {}
    for value in values:
        label, sep, name = value.partition("=")
        if not sep or not label.strip():
            raise click.BadParameter(f"{value!r}: write LABEL=NAME, e.g. SPEAKER_00=\"Professor C\"", ctx, param)
        names[label.strip()] = name
    return names


@main.command()
@click.argument("video_id")
@click.option("--name", "names", multiple=True, callback=_label_and_name, metavar="LABEL=NAME",
              help='Name a diarized speaker, e.g. --name SPEAKER_00="Professor C" (repeatable; LABEL= forgets the name).')
@click.option("--json", "as_json", is_flag=True, help="Print the speakers as JSON.")
def speakers(video_id: str, names: dict[str, str], as_json: bool) -> None:
    """List VIDEO_ID's diarized speakers (talk time, first lines) and name them with --name.

    Names show in answers' quotes and citations, and a question naming a speaker ("What did the
    Professor think about ...?") then favours that speaker's lines."""
    import dataclasses
    import json

    from halo.llm.prompts import clock
    from halo_cli.pipeline import HALOPipeline

    pipeline = HALOPipeline()
    if names:
        with stdout_to_stderr():
            pipeline.name_speakers(video_id, names)
        click.echo(f"named {counted(len(names), 'speaker')} of {video_id}; its cached answers were dropped", err=True)
    found = pipeline.speakers(video_id)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in found], indent=2))
        return
    if not found:
        click.echo(f"No speech in {video_id}: nobody to name.")
    for s in found:
        click.echo(f"{s.label}  {s.name or '(no name)'}  talk {clock(s.talk_s)}, {counted(s.utterances, 'utterance')}")
        for start, text in s.first_lines:
            click.echo(f"    [{clock(start)}] {' '.join(text.split())[:100]}")


@main.command()
@click.argument("video_id")
@click.option("--json", "as_json", is_flag=True, help="Print the sessions as JSON.")
def sessions(video_id: str, as_json: bool) -> None:
    """List the stored Q&A sessions of VIDEO_ID."""
    import json
    import time

    from halo.qa import list_sessions

    found = list_sessions(video_id)
    if not found:  # a typo is not "no sessions yet"
        from halo.qa.video import VideoNotReady, not_ready_message
        from halo.store import load_output

        if load_output("chunks", video_id) is None:
            raise VideoNotReady(not_ready_message(video_id))
    rows = [{"session": s.session_id, "turns": len(s.turns), "cost_usd": round(s.cost_usd, 8),
             "updated": time.strftime("%Y-%m-%d %H:%M", time.localtime(s.updated)),
             "last_question": s.turns[-1].question if s.turns else ""} for s in found]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"No Q&A sessions for {video_id} yet: `halo ask {video_id} \"...\"` starts one.")
    for r in rows:
        click.echo(f"{r['session']:20s} {counted(r['turns'], 'turn'):>9s}  ${r['cost_usd']:.6f}  {r['updated']}  "
                   f"last: {r['last_question'][:60]}")
