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
