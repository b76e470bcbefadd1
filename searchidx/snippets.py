"""Choosing the fragment of a paragraph to show for a hit, with the matched words marked.

Pure text work on character spans, independent of the search engine: the engine says
which spans matched, this module picks the window that holds the most of them.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Markers around matched words in ``Hit.highlights`` (the Elasticsearch convention).
MARK_START = "<em>"
MARK_END = "</em>"
ELLIPSIS = "…"
MAX_CHARS = 240
_LEAD = 60


def _window(text: str, spans: Sequence[tuple[int, int]], maxchars: int) -> tuple[int, int]:
    if len(text) <= maxchars:
        return 0, len(text)
    best_start, best_count = 0, -1
    for first, _ in spans:
        start = max(0, first - _LEAD)
        count = sum(1 for s, e in spans if s >= start and e <= start + maxchars)
        if count > best_count:
            best_start, best_count = start, count
    start = best_start
    if start > 0:
        # begin at a sentence start close before, else at a word boundary
        sentence = max(text.rfind(". ", 0, start + 1), text.rfind("? ", 0, start + 1))
        space = text.find(" ", start)
        if sentence >= 0 and start - sentence < _LEAD:
            start = sentence + 2
        elif 0 <= space < start + 20:
            start = space + 1
    end = min(len(text), start + maxchars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start:
            end = space
    return start, end


def best_fragment(text: str, spans: Sequence[tuple[int, int]], maxchars: int = MAX_CHARS) -> str:
    """The window of ``text`` (at most ``maxchars``) holding the most ``spans``, marked.

    Spans are ``(start, end)`` character offsets, sorted and not overlapping. A cut
    at either end is shown with an ellipsis.
    """
    start, end = _window(text, spans, maxchars)
    out = [ELLIPSIS] if start > 0 else []
    position = start
    for s, e in spans:
        if s < position or e > end:
            continue
        out.append(text[position:s])
        out.append(MARK_START + text[s:e] + MARK_END)
        position = e
    out.append(text[position:end])
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)
