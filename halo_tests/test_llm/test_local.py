"""The offline backend does honest extractive work: it picks real, informative sentences and terms."""

from halo.llm.local import chapter_titles, summarize_text

BATTERY = (
    "Yeah. Right, okay. So the battery is the main issue because the remote needs power all day. "
    "We could use solar cells to recharge the battery. Yeah. Cool."
)
PRICE = (
    "Okay. The price should stay under twenty five euros so the profit margin holds. "
    "Our profit target is fifty million euros, so the selling price matters. Mm."
)


def test_summary_is_an_informative_sentence_of_the_text():
    summary = summarize_text(BATTERY)
    assert summary in BATTERY
    assert len(summary.split()) >= 6 and "battery" in summary.lower()


def test_chapter_titles_name_each_chunks_own_subject():
    battery_title, price_title = chapter_titles([BATTERY, PRICE])
    assert "battery" in battery_title.lower() and "price" not in battery_title.lower()
    assert ("price" in price_title.lower() or "profit" in price_title.lower())
    assert "yeah" not in battery_title.lower() and "okay" not in price_title.lower()


def test_titles_of_empty_or_filler_only_text_are_empty():
    assert chapter_titles(["", "Yeah. Okay."]) == ["", ""]


SLIDES_ONLY = "\n" + "\n".join([  # a chunk of a video without speech: only its marked slide lines
    "[on screen] [00:00] Topic 1 of 5 | Goal of new remote control | project",
    "[on screen] [00:44] Topic 2 of 5 | Drawing favorite animals | and tool training",
    "[on screen] [01:29] Topic 3 of 5 | Expected price and profit | of remote control",
    "[on screen] [02:03] Topic 4 of 5 | Function and fashion | design of the remote | control",
    "[on screen] [02:47] Topic 5 of 5 | Battery design of remote | control",
])


def test_a_slides_only_chunk_is_summarised_in_whole_slides_and_titled_by_them():
    """The summary was a 30-word cut across slides ('[01:29] Topic 3 ... design of') and the
    chapter title 'Screen, topic, control', from the mark itself."""
    lines = SLIDES_ONLY.strip().splitlines()
    summary = summarize_text(SLIDES_ONLY)
    assert summary and summary == " ".join(line for line in lines if line in summary)  # whole slides only
    assert "screen" not in chapter_titles([SLIDES_ONLY, BATTERY])[0].lower()


def test_an_overview_the_older_local_code_cached_is_not_served(data_root, no_key_env, fresh_redis):
    """A 40-min video processed before topic chapters has its one-chapter-per-chunk overview in the
    cache (30-day TTL), keyed by the same prompt: re-running video_summary served it again."""
    import json

    import pandas as pd

    from halo.llm.local import LOCAL_MODEL
    from halo.llm.prompts import PROMPT_VERSION, VIDEO_SYSTEM, video_prompt
    from halo.llm.summarize import summarize_video
    from halo_resources.cache import CacheResource
    from halo_resources.gemini import GeminiResource

    subjects = [BATTERY, PRICE]
    frame = pd.DataFrame({"chunk_id": range(16), "start": [150.0 * i for i in range(16)],
                          "end": [150.0 * (i + 1) for i in range(16)],
                          "summary": [subjects[i // 8] for i in range(16)]})
    parts = [(r.start, r.end, r.summary) for r in frame.itertuples()]
    old = json.dumps({"summary": "Old.", "chapters": [{"start": s, "title": "Old"} for s, _, _ in parts]})
    cache = CacheResource(redis_url=fresh_redis).get_cache()
    cache.store("meeting", f"{VIDEO_SYSTEM}\n{video_prompt(parts)}", old, model=LOCAL_MODEL,
                prompt_version=PROMPT_VERSION, meta={"purpose": "video_summary"})
    service = GeminiResource().service("meeting", "video_summary", "run-2", cache)
    summary, chapters, answer = summarize_video(service, frame)
    assert answer.record.backend == "local" and summary != "Old."
    starts = [c["start"] for c in chapters]  # 40 min: 3 chapters, one where the subject changes
    assert len(starts) == 3 and starts[0] == 0.0 and 1200.0 in starts
