"""Chunking asset: `chunks`, the rule-based multimodal chunker's output, with its timeline."""

import base64
import time

import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from halo.chunking.rules import ChunkingConfig
from halo.chunking.strip import strip_markdown
from halo.chunking.video import chunk_video
from halo.ids import validate_video_id
from halo.paths import media_dir
from halo.storage import write_bytes_atomic
from halo.text.tokens import TOKENIZER_NAME
from halo.validation import chunk_length_problems, chunk_order_problems
from halo.vision.ocr import ON_SCREEN_MARK, chunks_with_on_screen_text
from halo_assets import checks
from halo_assets.metadata import real_time_factor
from halo_assets.partitions import videos_partitions
from halo_assets.text import vectors_of
from halo_resources.models import ModelsResource


class ChunksConfig(Config, ChunkingConfig):
    """Run config of `chunks`: the ChunkingConfig knobs (durations, thresholds, weights)."""


@asset(partitions_def=videos_partitions, group_name="text", kinds={"bertscore"}, check_specs=[
    checks.spec("chunks_in_time_order", "chunks", "Chunks are in time order and never overlap."),
    checks.spec("chunks_within_duration_limits", "chunks", "Chunks last between the configured min and max (warning)."),
])
def chunks(context: AssetExecutionContext, config: ChunksConfig, utterances: pd.DataFrame,
           embeddings: pd.DataFrame, topics: pd.DataFrame, scenes: pd.DataFrame,
           on_screen_text: pd.DataFrame, models: ModelsResource):  # no annotation: check_specs make it multi-output
    """Chunks cut where speakers, scenes, topics and meaning change, within min/max duration.

    Each chunk's text then gets the slide lines shown in its span, marked ``[on screen]``.
    """
    video_id = validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    ordered = utterances.sort_values("start").reset_index(drop=True)
    vectors = vectors_of(embeddings.set_index("utt_id").loc[ordered["utt_id"]].reset_index()
                         if len(ordered) else embeddings)
    topic_ids = (topics.set_index("utt_id").loc[ordered["utt_id"], "topic"].astype(int).tolist()
                 if len(ordered) else None)
    out = chunk_video(ordered, vectors, topic_ids, scenes,
                      ChunkingConfig(**config.model_dump()),
                      coherence_model=models.coherence_model,
                      coherence_layers=models.coherence_num_layers)
    df = chunks_with_on_screen_text(out.result.chunks, on_screen_text)
    seconds = time.perf_counter() - t0
    png_path = media_dir(video_id) / "chunk_timeline.png"
    write_bytes_atomic(png_path, out.timeline_png)
    duration = float(scenes["end"].max()) if len(scenes) else float(df["end"].max() if len(df) else 0)
    reasons = df["boundary_reason"].str.replace(r" \([0-9.]+\)", "", regex=True).value_counts()
    image = base64.b64encode(out.timeline_png).decode("ascii")
    strip = strip_markdown(list(zip(df["start"], df["end"])), duration)
    return MaterializeResult(value=df, metadata={
        "dagster/row_count": len(df),
        # Small enough for the UI to draw inline on the asset page; the full figure is below.
        **({"timeline": MetadataValue.md(strip)} if strip else {}),
        "total_tokens": int(df["n_tokens"].sum()),
        "chunks_with_on_screen_text": int(df["text"].str.contains(ON_SCREEN_MARK, regex=False).sum()),
        "mean_tokens": round(float(df["n_tokens"].mean()), 1) if len(df) else 0.0,
        "max_tokens": int(df["n_tokens"].max()) if len(df) else 0,
        "mean_coherence": round(float(df["coherence"].mean()), 3) if len(df) else 0.0,
        "mean_duration_s": round(float((df["end"] - df["start"]).mean()), 1) if len(df) else 0.0,
        "tokenizer": TOKENIZER_NAME,
        "coherence_model": models.coherence_model or "all-MiniLM-L6-v2 (bundled), 6 layers",
        "scenes_only": out.from_scenes_only,
        "processing_s": round(seconds, 3),
        **{f"{k}_s": round(v, 3) for k, v in out.seconds.items()},
        "real_time_factor": real_time_factor(seconds, duration),
        "boundary_reasons": MetadataValue.md(reasons.to_frame("cuts").to_markdown()),
        "timeline_path": MetadataValue.path(str(png_path)),
        "timeline_detail": MetadataValue.md(f"![chunk timeline](data:image/png;base64,{image})"),
    }, check_results=[
        checks.result("chunks_in_time_order", "chunks", chunk_order_problems(df)),
        checks.result("chunks_within_duration_limits", "chunks",
               chunk_length_problems(df, config.min_chunk_duration, config.max_chunk_duration), warn_only=True),
    ])
