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
