"""What the pages show, computed from the library's results: marked fragments, the queries
behind facet links, page numbers, and an entity's timeline as an SVG bar chart's geometry.

Pure functions of their arguments (no request, no index), so that they can be tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from ..entities import EntityPage

#: Markers the library puts around matched words in ``Hit.highlights``.
_MARKS = re.compile(r"(<em>|</em>)")


def marked(highlights: str) -> Markup:
    """A hit's fragment as HTML: every character escaped, the matched words in ``<mark>``.

    The fragment is plain text with ``<em>``/``</em>`` around matches; any other markup in it
    is the article's own text and is shown as text, never run.
    """
    out: list[str] = []
    inside = False
    for piece in _MARKS.split(highlights):
        if piece == "<em>" and not inside:
            out.append("<mark>")
            inside = True
        elif piece == "</em>" and inside:
            out.append("</mark>")
            inside = False
        else:
            out.append(str(escape(piece)))
    if inside:
        out.append("</mark>")
    return Markup("".join(out))


def quoted_name(name: str) -> str:
    """``name`` as a query phrase (quotes inside it, which a phrase cannot hold, dropped)."""
    return '"' + name.replace('"', " ").strip() + '"'


def with_clause(query: str, fieldname: str, name: str, exclude: bool = False) -> str:
    """``query`` narrowed to paragraphs naming ``name`` in ``fieldname`` (or without it)."""
    clause = f"{'-' if exclude else ''}{fieldname}:{quoted_name(name)}"
    return f"{query.strip()} {clause}".strip()


def url(path: str, **params: object) -> str:
    """``path`` with the query string of the ``params`` that are set (None and "" left out)."""
    kept = {key: value for key, value in params.items() if value is not None and value != ""}
    return path + ("?" + urlencode(kept) if kept else "")


def entity_url(fieldname: str, name: str, **params: object) -> str:
    """The entity page of ``name`` in ``fieldname``."""
    return url(f"/entity/{quote(fieldname, safe='')}/{quote(name, safe='')}", **params)


def article_url(article: str, paragraph: int | None = None) -> str:
    """The article page, scrolled to and marking ``paragraph`` when given."""
    base = url(f"/article/{quote(article, safe='/')}", p=paragraph)
    return base + (f"#p{paragraph}" if paragraph else "")


@dataclass(frozen=True)
class Pager:
    """Page numbers around the current page of a result list."""

    page: int
    pages: int
    numbers: list[int]

    @classmethod
    def of(cls, total: int, offset: int, limit: int, around: int = 2) -> Pager:
        pages = max(1, -(-total // limit))
        page = offset // limit + 1
        numbers = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
        return cls(page, pages, numbers)


@dataclass(frozen=True)
class Bucket:
    """One bar of a timeline: a month (``1987-03``) or a year, and its counts."""

    period: str
    paragraphs: int
    articles: int


@dataclass
class Timeline:
    """An entity's mentions by month or year of publication; ``undated`` paragraphs are in
    articles without a readable date."""

    by: str
    buckets: list[Bucket] = field(default_factory=list)
    undated: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"by": self.by, "undated": self.undated,
                "buckets": [{"period": b.period, "paragraphs": b.paragraphs, "articles": b.articles}
                            for b in self.buckets]}


_MONTH = re.compile(r"^(\d{4})-(\d{2})")
#: Beyond this many months between the first and the last mention, the timeline counts years.
MONTHS_SHOWN = 36


def timeline(page: EntityPage, by: str | None = None) -> Timeline:
    """The entity's paragraphs and articles per month (or year: ``by="year"``; by default
    months unless they span more than :data:`MONTHS_SHOWN`), gaps filled with zeros."""
    months: dict[tuple[int, int], list[int]] = {}
    undated = 0
    for mention in page.mentions:
        found = _MONTH.match(mention.published)
        if not found or not 1 <= int(found.group(2)) <= 12:
            undated += len(mention.paragraphs)
            continue
        counts = months.setdefault((int(found.group(1)), int(found.group(2))), [0, 0])
        counts[0] += len(mention.paragraphs)
        counts[1] += 1
    if not months:
        return Timeline(by or "month", [], undated)
    first, last = min(months), max(months)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    chosen = by if by in ("month", "year") else ("month" if span <= MONTHS_SHOWN else "year")
    buckets: list[Bucket] = []
    if chosen == "month":
        for step in range(span):
            year, month = first[0] + (first[1] - 1 + step) // 12, (first[1] - 1 + step) % 12 + 1
            paragraphs, articles = months.get((year, month), [0, 0])
            buckets.append(Bucket(f"{year:04d}-{month:02d}", paragraphs, articles))
    else:
        for year in range(first[0], last[0] + 1):
            counts = [sum(c[i] for (y, _), c in months.items() if y == year) for i in (0, 1)]
            buckets.append(Bucket(f"{year:04d}", counts[0], counts[1]))
    return Timeline(chosen, buckets, undated)


@dataclass(frozen=True)
class Bar:
    """A bar of the timeline chart, in the SVG's own units."""

    bucket: Bucket
    x: float
    y: float
    width: float
    height: float
    label: str  # the axis label under it ("" when it would crowd its neighbours)


@dataclass(frozen=True)
class Chart:
    """The geometry of a timeline's SVG bar chart."""

    width: int
    height: int
    base: float  # the y of the axis
    top: int  # the largest count
    bars: list[Bar]


#: Room for one axis label ("2023-01"), in the chart's units.
LABEL_WIDTH = 52


def chart(line: Timeline, width: int = 640, height: int = 180) -> Chart:
    """Bars for ``line``: heights in proportion to paragraphs, a label every few bars."""
    base, room = height - 24.0, height - 40.0
    top = max((b.paragraphs for b in line.buckets), default=0)
    count = max(1, len(line.buckets))
    step = (width - 8) / count
    every = max(1, -(-count * LABEL_WIDTH // width))  # labels far enough apart not to overlap
    bars = []
    for i, bucket in enumerate(line.buckets):
        tall = room * bucket.paragraphs / top if top else 0.0
        if bucket.paragraphs and tall < 2:
            tall = 2.0
        label = bucket.period if i % every == 0 else ""
        bars.append(Bar(bucket, round(4 + i * step + step * 0.1, 2), round(base - tall, 2),
                        round(step * 0.8, 2), round(tall, 2), label))
    return Chart(width, height, base, top, bars)
