"""Choices ticked on a form, read as the words chosen.

Consultation forms let the department mark one of printed options instead of writing:
checkboxes 「□有　■無」「■取得済　□未取得」「☑有 ☐無」, or a circle put on one option of a
list 「○取得済み　・　未取得」「有・◯無」「（する・○しない）」. What the form says is the
chosen option; the others are printed text, not statements. Both readers are pure text
functions used by the matchers (``Unit.text``) and the evaluators.
"""
from __future__ import annotations

import re

# checkboxes: the ticked box decides
_TICKED = "■☑☒✔✓●◉"
_UNTICKED = "□☐"
_BOX_RUN = re.compile(rf"(?:[{_TICKED}{_UNTICKED}]\s*[^\s{_TICKED}{_UNTICKED}|、,・/／]+[\s、,・/／]*){{2,}}")
_BOX = re.compile(rf"([{_TICKED}{_UNTICKED}])\s*([^\s{_TICKED}{_UNTICKED}|、,・/／]+)")


def resolve_boxes(text: str) -> str:
    """Replace a run of checkbox options by the ticked option's words (none ticked: nothing).
    Only a run with both a ticked and an unticked box (or ☑/☒) is read as checkboxes, so that a
    bullet ■ or ● stays text."""
    def one(m: re.Match) -> str:
        opts = _BOX.findall(m.group(0))
        marks = {b for b, _ in opts}
        if marks <= set(_UNTICKED):
            return ""  # no box ticked: nothing is stated
        if not (marks & set(_UNTICKED)) and not marks & set("☑☒"):
            return m.group(0)  # ■ or ● alone: bullets
        ticked = [w for b, w in opts if b in _TICKED]
        tail = m.group(0)[len(m.group(0).rstrip(" 　、,・/／")):]
        return "・".join(ticked) + tail
    return _BOX_RUN.sub(one, text)


# circled options: one option of a ・- or ／-separated list carries ○ (◯, 〇, ●, ◎)
_CIRCLE = "○◯〇●◎"
_WORD = rf"[^\s・／/|()（）「」、。{_CIRCLE}■□☑☐]{{1,10}}"
_OPTION = rf"(?:(?<![{_CIRCLE}])[{_CIRCLE}]\s*)?{_WORD}"
_CHOICE_RUN = re.compile(rf"{_OPTION}(?:\s*[・／/]\s*{_OPTION})+")
_CHOICE = re.compile(rf"((?<![{_CIRCLE}])[{_CIRCLE}])?\s*({_WORD})")


def resolve_circled(text: str) -> str:
    """「○取得済み　・　未取得」 → 「取得済み」: a list of short options with exactly one circled
    is the circled option. Lists with no circle or more than one (「○○市・○○町」 placeholders,
    「氏名・住所」) are left as they are."""
    if not any(c in text for c in _CIRCLE):
        return text

    def one(m: re.Match) -> str:
        opts = [(bool(mk), w) for mk, w in _CHOICE.findall(m.group(0))]
        marked = [w for mk, w in opts if mk]
        if len(marked) != 1 or len(opts) < 2:
            return m.group(0)
        return marked[0]
    return _CHOICE_RUN.sub(one, text)


def resolve_choices(text: str) -> str:
    """Both kinds of form marks read as the chosen words."""
    return resolve_circled(resolve_boxes(text))
