"""Slide titles from on-screen text and chapters titled by them (issue 14).

Hand-built tables here; titles read from a generated lecture are checked against its truth in
test_ocr.py (one OCR read serves both).
"""

from __future__ import annotations

import pandas as pd

from halo.vision.slides import slide_titles, title_during, title_of, titled_by_slides


def _rows(start: float, end: float, lines: list[tuple[str, float]]) -> list[dict]:
    return [{"scene_id": 0, "start": start, "end": end, "frame_s": start, "text": t, "confidence": 0.99, "height": h}
            for t, h in lines]


TABLE = pd.DataFrame(
    _rows(0.0, 40.0, [("Topic 1 of 3", 0.03), ("Remote control", 0.07), ("design", 0.068), ("\u2022 Buttons", 0.05)])
    + _rows(40.0, 100.0, [("Budget", 0.07), ("\u2022 Euros", 0.05)])
    + _rows(100.0, 130.0, [("\u2022 42", 0.05)])  # digits only: no title
)


def test_title_is_the_first_run_of_the_largest_lines() -> None:
    assert title_of([("Topic 1 of 3", 0.03), ("Remote control", 0.07), ("design", 0.068), ("\u2022 Buttons", 0.05)]) \
        == "Remote control design"
    assert title_of([("Only line", 0.04)]) == "Only line"
    # measured on a generated lecture: a bullet's box as tall as the title's; its mark tells it apart
    assert title_of([("The financial blueprint of", 0.086), ("the remote control", 0.075), ("\u00b7Region", 0.089)]) \
        == "The financial blueprint of the remote control"
    assert title_of([("12", 0.05)]) == "" and title_of([]) == ""
    # the bundled sample's slide 4 as OCR boxed it: the numbering header at 0.72 of the tallest line
    assert title_of([("Topic 4 of 5", 0.0778), ("Function and fashion", 0.0917), ("design of the remote", 0.1083),
                     ("control", 0.0972)]) == "Function and fashion design of the remote control"
    assert title_of([("Part 2", 0.09), ("Topic modelling", 0.09)]) == "Topic modelling"


def test_slide_titles_per_screen_state_and_the_longest_shown_in_a_span() -> None:
    titles = slide_titles(TABLE)
    assert titles.values.tolist() == [[0.0, 40.0, "Remote control design"], [40.0, 100.0, "Budget"]]
    assert title_during(titles, 30.0, 90.0) == "Budget"  # 50 s of Budget against 10 s
    assert title_during(titles, 90.0, 130.0) == ""  # Budget for 10 s of 40: not this span's slide
    old = TABLE.drop(columns="height")  # stored before heights were recorded: the first line
    assert slide_titles(old)["title"].tolist() == ["Remote control", "Budget"]
    assert slide_titles(TABLE.iloc[:0]).empty


def test_chapters_take_the_slide_title_shown_for_most_of_them() -> None:
    chapters = [{"start": 0.0, "title": "Buttons, rubber"}, {"start": 35.0, "title": "Money, euros"},
                {"start": 95.0, "title": "Wrap up"}]
    assert titled_by_slides(chapters, TABLE, 130.0) == [
        {"start": 0.0, "title": "Remote control design"}, {"start": 35.0, "title": "Budget"},
        {"start": 95.0, "title": "Wrap up"}]
    assert titled_by_slides(chapters, TABLE.iloc[:0], 130.0) is chapters

