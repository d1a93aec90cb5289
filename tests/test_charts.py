"""The server-drawn bar charts: labels too long for their column are shortened, not cut off."""

from __future__ import annotations

from events.web import charts


def test_a_short_label_is_drawn_whole():
    assert charts.fitted("Women", 158) == "Women"
    assert "<title>Women</title>" not in charts.bar_chart("By gender", [("Women", [3])], ["approved"])


def test_a_long_label_is_shortened_with_the_whole_in_a_tooltip():
    question = "How well do you understand how to integrate service channels into one service?"
    shown = charts.fitted(question, 158)
    assert shown.endswith("…") and question.startswith(shown[:-1])
    svg = charts.bar_chart("Self-assessment", [(question, [2.0, 4.0])], ["Mean before", "Mean after"])
    assert f"<title>{question}</title>{shown}</text>" in svg


def test_wide_characters_take_more_room():
    assert charts.fitted("数字政府" * 3, 158) == "数字政府" * 3
    assert charts.fitted("数字政府" * 4, 158).endswith("…")
    assert len(charts.fitted("数字政府" * 10, 158)) < len(charts.fitted("abcd" * 10, 158))
