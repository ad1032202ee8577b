"""The stage layer: one plain function per pipeline stage, input frames + config -> StageResult.

Each Dagster asset (halo_assets/) is a short adapter that loads its inputs, calls its stage here
and reports the result through one metadata helper; HALOPipeline reaches the same functions by
materializing those assets. No stage logic lives anywhere else.

==================  ===============================  ======================================================
stage               function                         reads
==================  ===============================  ======================================================
video_file          ingest.probe_video               the source file
audio               ingest.extract_audio             video_file
scenes              vision.scenes                    video_file
on_screen_text      vision.on_screen_text            video_file, scenes
transcript          speech.transcript                audio
diarization         speech.diarization               audio
utterances          speech.utterances                transcript, diarization, scenes
embeddings          text.embeddings                  utterances
topics              text.topics                      utterances, embeddings
chunks              chunking.chunks                  utterances, embeddings, topics, scenes, on_screen_text
qa_index            text.qa_index                    chunks, utterances
chunk_summaries     llm.chunk_summaries              chunks, scenes, video_file (+ LLM service, cache)
video_summary       llm.video_summary                chunk_summaries, on_screen_text (+ LLM service, cache)
cost_ledger         costs.cost_ledger                the ledger store, video_file
library_costs       costs.library_costs              the ledger store, every video_file
==================  ===============================  ======================================================
"""

from halo.stages.result import FileLink, Markdown, StageResult, real_time_factor

__all__ = ["FileLink", "Markdown", "StageResult", "real_time_factor"]
