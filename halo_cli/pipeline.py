"""HALOPipeline: the seed's Python API, on top of the same Dagster assets as the UI.

``process_video`` registers the file, adds its partition to the project's Dagster instance and
materializes every per-video asset in-process (the ``process_video`` job), so a video processed
here shows up in the UI with its lineage, metadata and ledger. ``ask_question`` answers from the
stored outputs through the Q&A library (halo.qa), with the same cache and ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halo.errors import HaloError, InvalidQuestion, ModelFileError, QuestionFailed, RunFailed, UnknownVideo
from halo.run_tags import SOURCE_TAG

if TYPE_CHECKING:  # imported where used: `halo ask` answering from the cache needs neither
    import pandas as pd
    from dagster import AssetKey

    from halo.models import CacheConfig, ChunkingConfig, GeminiConfig
    from halo.qa.sessions import Turn
    from halo.registry import VideoEntry
    from halo.speech.roster import SpeakerOverview

#: Longer questions are refused before anything is billed (a question is a sentence, not a file).
MAX_QUESTION_CHARS = 2000
#: Where an api_key given in GeminiConfig is handed to the resource: as an EnvVar, so the key
#: never enters run config, the run's snapshot in the instance, or a log.
PIPELINE_KEY_VAR = "HALO_PIPELINE_GEMINI_API_KEY"
CONFIG_TAG = "halo/config"


@dataclass
class Answer:
    """One answered question: text, the cited spans of the video, and what it cost."""

    video_id: str
    session: str
    question: str
    response_text: str
    citations: list[dict]  # [{"start", "end", "speaker", "on_screen", "chunk_id"}], seconds from the start
    cache_tier: str  # "" (not cached) | "L1" | "L2" | "L3"
    backend: str  # "gemini" | "local" (offline backend) | "cache"
    model: str
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_usd: float
    naive_tokens: int  # the whole video sent to Gemini for this question
    naive_cost_usd: float
    standalone: str = ""  # the question as answered (a follow-up rewritten to stand alone)
    rewrite_backend: str = ""  # "" (not a follow-up) | "heuristic" | "gemini" | "cache"

    @classmethod
    def from_turn(cls, video_id: str, session: str, turn: Turn, citations: list[dict]) -> "Answer":
        """The Answer of a saved turn whose citations were resolved to ``citations``."""
        return cls(
            video_id=video_id, session=session, question=turn.question, response_text=turn.answer,
            citations=citations, cache_tier=turn.cache_tier, backend=turn.backend, model=turn.model,
            input_tokens=turn.input_tokens, cached_tokens=turn.cached_tokens,
            output_tokens=turn.output_tokens, cost_usd=turn.cost_usd,
            naive_tokens=turn.naive_tokens, naive_cost_usd=turn.naive_cost_usd,
            standalone=turn.standalone, rewrite_backend=turn.rewrite_backend)


def check_question(question: str) -> str:
    """The question stripped, or InvalidQuestion when it is empty or over MAX_QUESTION_CHARS."""
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion("Empty question: type what you want to know about the video.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"Question of {len(text):,} characters refused (limit {MAX_QUESTION_CHARS:,}): ask one "
            "question in a sentence or two; nothing was sent or billed.")
    return text


def resolve_citation(citation: dict, chunks: pd.DataFrame, utterances: pd.DataFrame) -> dict:
    """A cited [mm:ss] time or range as the utterance span it points at, with speaker and chunk.

    Answers cite whole seconds (floored), so [00:23] means an utterance running at some moment
    of 23.0-24.0 s; the utterance overlapping that second (or the range) most is the cited span.
    A quoted slide (``on_screen``) is that second itself, with no speaker: whoever talked while
    it was shown did not say it.
    """
    start, end = float(citation["start"]), float(citation["end"]) + 1.0
    on_screen = bool(citation.get("on_screen"))  # absent in sessions saved before it was recorded
    overlap = (utterances["end"].clip(upper=end) - utterances["start"].clip(lower=start)).to_numpy()
    if on_screen:
        speaker = None
    elif len(overlap) and overlap.max() > 0:
        utt = utterances.iloc[int(overlap.argmax())]
        start, end, speaker = float(utt["start"]), float(utt["end"]), str(utt["speaker"])
    else:
        end, speaker = float(citation["end"]), None
    inside = chunks[(chunks["start"] <= start + 1e-6) & (chunks["end"] >= start - 1e-6)]
    if on_screen and "text" in chunks:  # the part showing the slide: one from 43.4 s shows a slide cited [00:43]
        from halo.vision.marks import on_screen_lines

        showing = chunks[[any(t == start for t, _ in on_screen_lines(str(text))) for text in chunks["text"]]]
        inside = showing if len(showing) else inside
    return {"start": start, "end": end, "speaker": speaker, "on_screen": on_screen,
            "chunk_id": int(inside.iloc[0]["chunk_id"]) if len(inside) else None}


def _stored(asset: str, video_id: str, what: str) -> pd.DataFrame:
    """``video_id``'s stored ``asset`` output; UnknownVideo (saying to process it) if it has none."""
    from halo.store import load_output

    frame = load_output(asset, video_id)
    if frame is None:
        raise UnknownVideo(f"Video {video_id!r} has no stored {what}: process it first with "
                           "`halo process PATH` (or HALOPipeline().process_video(path)).")
    return frame


class HALOPipeline:
    """Process videos and answer questions about them, as the seed's README shows.

    Configs left as None use the environment's resources (HALO_ENV, REDIS_URL, GEMINI_API_KEY).
    """

    def __init__(self, chunking_config: ChunkingConfig | None = None,
                 cache_config: CacheConfig | None = None,
                 gemini_config: GeminiConfig | None = None, *, instance: Any = None) -> None:
        from halo.models import ChunkingConfig

        self.chunking_config = chunking_config or ChunkingConfig()
        self.cache_config = cache_config
        self.gemini_config = gemini_config
        self.video_id: str | None = None  # the last video processed: ask_question's default
        self._instance = instance
        self._resources: dict[str, Any] | None = None

    # -- wiring ---------------------------------------------------------------------------------
    @property
    def instance(self):
        """The project's Dagster instance (DAGSTER_HOME, default the project root)."""
        if self._instance is None:
            from halo_assets.registration import default_instance

            self._instance = default_instance()
        return self._instance

    def resources(self) -> dict[str, Any]:
        """The environment's resources with this pipeline's cache and Gemini configs applied."""
        if self._resources is None:
            from halo_resources.environments import get_resources

            resources = dict(get_resources())
            if self.cache_config is not None:
                resources["cache"] = _with_fields(resources["cache"], self.cache_config.cache_fields())
            if self.gemini_config is not None:
                update = self.gemini_config.resource_fields()
                update["use_local"] = update["use_local"] or resources["gemini"].use_local  # HALO_ENV=ci never spends
                if self.gemini_config.api_key:
                    from dagster import EnvVar

                    os.environ[PIPELINE_KEY_VAR] = self.gemini_config.api_key
                    update["api_key"] = EnvVar(PIPELINE_KEY_VAR)
                resources["gemini"] = _with_fields(resources["gemini"], update)
            self._resources = resources
        return self._resources

    def _config_signature(self, chunker: dict[str, Any] | None = None) -> str:
        """This pipeline's settings as the CONFIG_TAG of its runs (config_signature); ``chunker``
        in place of its own `chunks` config when the run summarizes chunks other settings made."""
        return config_signature(chunker or self.chunking_config.chunker_config().model_dump(mode="json"),
                                self.resources()["gemini"])

    def _assets_to_run(self, video_id: str, path: str, signature: str | None) -> list[AssetKey] | None:
        """The per-video assets a run must materialize for the settings ``signature`` (AssetKeys;
        ``signature`` None: whatever settings made the stored outputs).

        None when every output is stored, none is stale and they were made with these settings.
        When only the settings changed, `chunks` and what is computed from it: the chunker and LLM
        settings decide nothing upstream of the chunks, so trying other chunk limits on an hour
        of video re-chunks and re-summarizes in seconds instead of transcribing it again.
        An output missing or older than its inputs (a run that failed part-way, e.g. at the
        summaries during a Gemini outage): that asset and what is computed from it, not the
        stages that finished. A changed source file: every per-video asset.
        """
        from dagster import AssetKey, AssetSelection

        from halo_assets.definitions import ASSETS, defs
        from halo_assets.jobs import outdated, video_asset_graph

        graph = video_asset_graph(ASSETS)
        needed = set(outdated(self.instance, graph, video_id, path).assets)
        if signature is None or self._made_with(video_id, signature, needed):
            return sorted(needed, key=lambda k: k.to_user_string()) or None
        after_chunks = AssetSelection.assets(AssetKey("chunks")).downstream().resolve(defs.resolve_asset_graph())
        return sorted(needed | (after_chunks & graph.keys()), key=lambda k: k.to_user_string())  # per-video ones only

    def _made_with(self, video_id: str, signature: str, needed: set) -> bool:
        """Whether ``video_id``'s stored chunks and chunk summaries were made by runs with these
        settings; one of them already in ``needed`` (missing, or older than its inputs: a run that
        failed at the summaries) is made again anyway, whatever made it."""
        from dagster import AssetKey

        for key in (AssetKey("chunks"), AssetKey("chunk_summaries")):
            if key in needed:
                continue
            run = self._latest_run(video_id, key)
            if run is None or run_signature(run) != signature:
                return False
        return True

    def _latest_run(self, video_id: str, key: AssetKey):
        """The Dagster run that made ``video_id``'s stored ``key`` (None: none is stored)."""
        from dagster import AssetRecordsFilter

        records = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=[video_id]), limit=1).records
        return self.instance.get_run_by_id(records[0].run_id) if records else None

    # -- the API --------------------------------------------------------------------------------
    def process_video(self, video_path: str | os.PathLike, query: str | None = None,
                      video_id: str | None = None, *, replace: bool = False,
                      ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
        """Register and materialize ``video_path`` (skipped when its outputs are current).
        ``replace`` lets an explicit ``video_id`` move from the file it stands for to this one, and
        this file from the id it has to ``video_id``.

        Returns (chunks, results, metrics): the chunk table; the per-chunk summaries, the video
        summary and chapters, and the Answer to ``query``; tokens, dollars, the naive baseline,
        cache hits and per-stage seconds.
        """
        from halo_assets.registration import add_video

        if query is not None:
            check_question(query)
        if self.chunking_config.use_rl_chunker:
            self._check_policy()
        entry = add_video(Path(video_path), video_id, instance=self.instance, replace=replace, cache=self._cache())
        self.video_id = entry.video_id
        run_id = self._run(entry, settings_matter=True)
        outputs = self.outputs(entry.video_id)
        results = {
            "video_id": entry.video_id,
            "chunk_summaries": outputs["chunk_summaries"],
            "video_summary": outputs["video_summary"],
            "chapters": outputs["chapters"],
            "query": query,
            "answer": self._answer_after_processing(query, entry.video_id) if query else None,
        }
        return outputs["chunks"], results, self.metrics(entry.video_id, run_id)

    def _run(self, entry: VideoEntry, settings_matter: bool) -> str | None:
        """Materialize what ``entry``'s video needs (_assets_to_run) in-process; the run's id, None
        when nothing was outdated. ``settings_matter``: outputs made with other settings are made
        again with this pipeline's; otherwise only what is missing or outdated runs.

        The run's CONFIG_TAG names the chunk settings of the chunks it summarizes: this pipeline's
        when it makes them, else those of the run that made the stored ones (``halo ask PATH``
        finishing a 45-s run: tagged with its own 20-s default, that run's summaries counted as
        other settings and the next 45-s `halo process` re-chunked and re-summarized the video)."""
        from dagster import AssetKey

        from halo.registry import processing
        from halo_assets.definitions import defs
        from halo_assets.registration import PROCESS_VIDEO_JOB, failure_messages

        with processing(entry.video_id):  # another processing of it on this machine: wait, then reuse
            signature = self._config_signature()
            selection = self._assets_to_run(entry.video_id, entry.path, signature if settings_matter else None)
            if selection is None:
                return None
            chunker = self.chunking_config.chunker_config().model_dump(mode="json")
            chunked = self._latest_run(entry.video_id, AssetKey("chunks")) \
                if AssetKey("chunks") not in selection else None
            if chunked is not None:
                signature = self._config_signature(run_chunker(chunked))
            # the subset first, from the job's own resources; this run's resources replace them below
            job = defs.resolve_job_def(PROCESS_VIDEO_JOB).get_subset(asset_selection=set(selection))
            result = job.execute_in_process(
                partition_key=entry.video_id, instance=self.instance, raise_on_error=False,
                resources=self.resources(),
                run_config={"ops": {"chunks": {"config": chunker}} if AssetKey("chunks") in selection else {},
                            "loggers": {"stage_progress": {}}},
                tags={SOURCE_TAG: "HALOPipeline", CONFIG_TAG: signature})
        if not result.success:
            raise RunFailed(f"Processing {entry.video_id} ({entry.path}) failed: "
                            + "; ".join(failure_messages(result)))
        return result.run_id

    def _answer_after_processing(self, query: str, video_id: str) -> Answer:
        """``ask_question``; a failure raises QuestionFailed naming the processed id and how to ask
        again (`halo process --query` printed no id, so the question could not be retried)."""
        try:
            return self.ask_question(query, video_id)
        except HaloError as exc:
            raise QuestionFailed(video_id, (
                f"Video {video_id!r} was processed (its outputs are stored), but the question was not "
                f"answered: {' '.join(str(exc).split())} Once that is fixed, ask again without processing "
                f"again: `halo ask {video_id} {shlex.quote(query)}`.")) from exc

    def processed_id(self, video_path: str | os.PathLike) -> str:
        """The id of the video at ``video_path``, processed first as far as it needs to be.

        A file not registered, or whose bytes are not the ones its stored probe hashed (whatever
        its mtime says: a touched file is no change), is processed (process_video). Otherwise
        what is missing or outdated is finished first, whatever settings made the rest: after a
        run that failed at the summaries, `halo ask PATH` answered from chunks with no summaries
        and left the run unfinished; now the summaries and what follows run, and its chunks stay.
        """
        from halo import registry
        from halo_assets.definitions import ASSETS
        from halo_assets.jobs import outdated, video_asset_graph

        path = registry.given_file(video_path)  # a missing file or dangling link fails here, as typed
        entry = next((e for e in registry.all_videos().values() if e.path == str(path)), None)
        # the bytes decide, hashed once per size and mtime (content_sha256), not on every question
        if entry is None or outdated(self.instance, video_asset_graph(ASSETS), entry.video_id, str(path)).every:
            return self.process_video(path)[1]["video_id"]
        self.video_id = entry.video_id
        self._run(entry, settings_matter=False)
        return entry.video_id

    def ask_question(self, question: str, video_id: str | None = None, session: str = "default") -> Answer:
        """Answer ``question`` about ``video_id`` (default: the last video processed) with citations."""
        check_question(question)
        video_id = video_id or self.video_id
        if video_id is None:
            raise UnknownVideo("No video to ask about: call process_video(path) first or pass video_id.")
        return self.answer(self.conversation(video_id, session), question)

    def conversation(self, video_id: str, session: str = "default"):
        """The Q&A session ``session`` on ``video_id`` (halo.qa), on this pipeline's cache and Gemini."""
        from halo.qa import QA_ASSET, Conversation, VideoQA, validate_session_id
        from halo.registry import warn_if_changed

        validate_session_id(session)
        video = VideoQA.load(video_id)
        warn_if_changed(video_id)
        gemini = self.resources()["gemini"].process_config_and_initialize()
        return Conversation(video, gemini.service(video_id, QA_ASSET, run_id=f"qa-{session}", cache=self._cache()),
                            session)

    def _cache(self):
        """This pipeline's answer cache (its CacheConfig, else the environment's): a TieredCache."""
        return self.resources()["cache"].process_config_and_initialize().get_cache()

    def answer(self, convo, question: str) -> Answer:
        """Ask ``question`` in ``convo``: the turn is saved and ledgered, returned as an Answer."""
        return answer_in(convo, question)

    # -- speakers -------------------------------------------------------------------------------
    def speakers(self, video_id: str) -> list[SpeakerOverview]:
        """``video_id``'s diarized speakers, most talk time first: label, name given (if any),
        talk time and first lines, so a user can tell who is who (halo/speech/roster.py)."""
        from halo.speech.roster import current_roster, overview

        utterances = self._utterances(video_id)
        return overview(utterances, current_roster(video_id, utterances))

    def name_speakers(self, video_id: str, names: dict[str, str]) -> dict[str, str]:
        """Give diarized speakers names ({"SPEAKER_00": "Professor C"}; "" forgets a name) and
        return the stored roster. Transcripts, quotes and citations then show the names, and a
        question naming a speaker favours that speaker's lines. The video's cached answers are
        dropped (L1/L2): they were retrieved and worded without these names."""
        from halo.speech.roster import current_roster, turns_digest, updated
        from halo.store import save_roster

        utterances = self._utterances(video_id)
        labels = {str(s) for s in utterances["speaker"].dropna().unique()}
        roster = updated(current_roster(video_id, utterances), names, labels, video_id)
        save_roster(video_id, roster, turns_digest(utterances))
        self._cache().clear(video_id, tiers=("l1", "l2"))
        return roster

    def _utterances(self, video_id: str) -> pd.DataFrame:
        return _stored("utterances", video_id, "utterances (who spoke when)")

    # -- reading back ---------------------------------------------------------------------------
    def outputs(self, video_id: str) -> dict[str, Any]:
        """The stored chunks, summaries and chapters of ``video_id`` (UnknownVideo if none)."""
        import pandas as pd

        from halo.store import load_output

        chunks = _stored("chunks", video_id, "chunks")
        summaries = load_output("chunk_summaries", video_id)
        summary = load_output("video_summary", video_id)
        row = summary.iloc[0] if summary is not None and len(summary) else None
        return {
            "chunks": chunks,
            "chunk_summaries": summaries if summaries is not None else pd.DataFrame(),
            "video_summary": "" if row is None else str(row["summary"]),
            "chapters": [] if row is None else [dict(c) for c in row["chapters"]],
        }

    def metrics(self, video_id: str, run_id: str | None = None) -> dict[str, Any]:
        """Tokens, dollars, the naive baseline, cache hits (from the ledger) and stage seconds."""
        from halo.llm.ledger import read_ledger, summarize_costs

        totals = summarize_costs(read_ledger(video_id))
        return {"video_id": video_id, "run_id": run_id, **totals,
                "stage_seconds": self.stage_seconds(video_id, run_id)}

    def stage_seconds(self, video_id: str, run_id: str | None = None) -> dict[str, float]:
        """Wall seconds per asset in ``run_id`` (default: the run that made the current chunks)."""
        if run_id is None:
            from dagster import AssetKey

            run = self._latest_run(video_id, AssetKey("chunks"))
            if run is None:
                return {}
            run_id = run.run_id
        return {s.step_key: round(s.end_time - s.start_time, 3)
                for s in self.instance.get_run_step_stats(run_id) if s.end_time and s.start_time}

    def _check_policy(self) -> None:
        from halo.chunking.rl_policy import active_policy_path

        path = active_policy_path(self.chunking_config.policy_path)
        if not path.is_file():
            raise ModelFileError(
                f"use_rl_chunker needs a chunking policy and there is none at {path}. Fix: run the "
                "`train_chunking_policy` job (Dagster UI), point policy_path at a trained zip, "
                "or leave use_rl_chunker=False.")


def config_signature(chunker: dict[str, Any], gemini: Any) -> str:
    """What decides the outputs beyond the file: the `chunks` config ``chunker`` and the settings
    of the GeminiResource ``gemini`` that summarize (the CONFIG_TAG of HALOPipeline's runs)."""
    llm = [gemini.backend] if gemini.backend == "local" else [
        gemini.backend, gemini.flash_model, gemini.max_output_tokens, gemini.temperature]
    wanted = {"chunking": chunker, "llm": llm}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]


def run_signature(run: Any) -> str:
    """The config_signature of the settings the Dagster run ``run`` made its outputs with.

    HALOPipeline's runs carry it as CONFIG_TAG. Runs started by the folder sensor, the schedule
    or the Dagster UI carry none: they ran the definitions' resources (the environment's Gemini
    resource, halo_assets.definitions) with the `chunks` config of their run config, the
    defaults when it has none. Their signature is worked out from that, so a `halo process` with
    the default settings after such a run runs nothing; taken as "other settings", it re-chunked
    and re-summarized the video. (The environment, e.g. whether GEMINI_API_KEY is set, is taken
    to be the one the run had.) A run config that sets the `gemini` resource (the UI's
    launchpad) ran that resource instead: Dagster builds it from the run config's fields alone,
    the definitions' values dropped."""
    from halo_resources.environments import get_resources

    tagged = run.tags.get(CONFIG_TAG)
    if tagged:
        return tagged
    gemini = get_resources()["gemini"]
    given = (run.run_config or {}).get("resources", {}).get("gemini", {}).get("config") or {}
    if given:  # a field given as {"env": NAME} (the api_key, say) is that variable's value, as Dagster reads it
        gemini = type(gemini)(**{name: os.environ.get(value["env"], "") if isinstance(value, dict) and set(value) == {"env"}
                                 else value for name, value in given.items()})
    return config_signature(run_chunker(run), gemini)


def run_chunker(run: Any) -> dict[str, Any]:
    """The `chunks` config the Dagster run ``run`` ran with: its run config's, the defaults when
    it has none (a run of the sensor, the schedule, or the UI with nothing set)."""
    from halo.chunking.rules import ChunkingConfig as ChunkerConfig

    given = (run.run_config or {}).get("ops", {}).get("chunks", {}).get("config", {})
    return ChunkerConfig(**given).model_dump(mode="json")


def _with_fields(resource: Any, update: dict[str, Any]) -> Any:
    """``resource`` built again with ``update`` applied (EnvVar fields stay EnvVars).

    Not ``model_copy(update=...)``: a Dagster run builds a resource from the fields it was
    constructed with, so a copy's changes reached Q&A (process_config_and_initialize) but not
    the run's assets, which then summarised with the default model, timeout and backend (Gemini
    despite ``use_mock=True`` when a key was set)."""
    fields = {name: getattr(resource, name) for name in type(resource).model_fields}
    return type(resource)(**{**fields, **update})


def answer_in(convo, question: str) -> Answer:
    """Ask ``question`` in the halo.qa Conversation ``convo`` (however its service was made): the
    turn is saved and ledgered, and what a repeat of it needs to be answered from the cache alone
    is remembered (halo.qa.cached)."""
    from halo.qa.cached import remember

    turn = convo.ask(check_question(question))
    video = convo.video
    citations = [resolve_citation(c, video.chunks, video.utterances) for c in turn.citations]
    remember(video, turn, citations)
    return Answer.from_turn(video.video_id, convo.session.session_id, turn, citations)


def answer_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), indent=2)
