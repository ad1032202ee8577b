"""HALO in ten lines: the seed's Python API on the bundled sample meeting.

Run it from the project root (`python demo.py`): it processes data/samples/meeting.mp4 through
the Dagster assets (the run shows up in `make ui`), answers two questions with cited spans and
prints what it cost against sending the whole video to Gemini. With no Gemini key (or
use_mock=True, as here) answers come from the local offline backend, labelled "local".
"""

from halo import HALOPipeline
from halo.models import CacheConfig, ChunkingConfig, GeminiConfig
from halo.paths import samples_dir
from halo_cli.counts import counted

VIDEO = samples_dir() / "meeting.mp4"


def main() -> None:
    chunking_config = ChunkingConfig(max_chunk_duration=300.0, min_chunk_duration=30.0, use_rl_chunker=False)
    cache_config = CacheConfig(use_fakeredis=True)
    gemini_config = GeminiConfig(model_name="gemini-1.5-flash", use_mock=True)
    pipeline = HALOPipeline(chunking_config=chunking_config, cache_config=cache_config, gemini_config=gemini_config)
    chunks, results, metrics = pipeline.process_video(VIDEO, query="What are the main topics discussed?")
    answer = pipeline.ask_question("What conclusions were drawn?")
    print(answer.response_text)

    print(f"\n{results['video_id']}: {counted(len(chunks), 'chunk')}")
    for row in chunks.itertuples():
        print(f"  #{row.chunk_id} {row.start:7.1f}-{row.end:7.1f} s  {row.boundary_reason.split(' + ')[0]}")
    print("cited:", ", ".join(f"{c['start']:.1f}-{c['end']:.1f} s {c['speaker']} (chunk {c['chunk_id']})"
                              for c in answer.citations))
    print(f"backend {answer.backend} ({answer.model}); answer ${answer.cost_usd:.6f} vs whole video "
          f"${answer.naive_cost_usd:.4f}; pipeline ${metrics['cost_usd']:.4f} vs naive ${metrics['naive_cost_usd']:.4f}")
    print("stage seconds:", metrics["stage_seconds"])


if __name__ == "__main__":
    main()
