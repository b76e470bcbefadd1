"""Turning search results into text: a table and vertical records for people; JSON Lines,
JSON and CSV for other programs.

Formatters write to a text stream and never decide about colour themselves: the
caller says whether the stream is a terminal (``color``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import TextIO

from .index import SearchResults
from .models import ENTITY_FIELDS, EntityCount, EntityPage, Explanation, Hit
from .snippets import MARK_END, MARK_START

FORMATS = ("table", "vertical", "jsonl", "json", "csv")

_BOLD_MATCH = "\x1b[1;33m"
_DIM = "\x1b[2m"
_CYAN = "\x1b[36m"
_RESET = "\x1b[0m"
CSV_COLUMNS = ("rank", "article", "paragraph", "title", "published", "score", *ENTITY_FIELDS,
               "highlights", "text")


def _styled(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color and text else text


def wrap_fragment(fragment: str, width: int, color: bool) -> list[str]:
    """``fragment`` wrapped to ``width`` visible columns; matches bold on a terminal, *starred* elsewhere."""
    opened, closed = ("\x01", "\x02")
    marked = fragment.replace(MARK_START, opened).replace(MARK_END, closed)
    start, end = (_BOLD_MATCH, _RESET) if color else ("*", "*")
    lines: list[str] = []
    line: list[str] = []
    visible = 0
    for word in marked.split():
        size = len(word.replace(opened, "").replace(closed, "")) + (0 if color else 2 * word.count(opened))
        if line and visible + 1 + size > width:
            lines.append(" ".join(line))
            line, visible = [], 0
        line.append(word)
        visible += size + (1 if len(line) > 1 else 0)
    if line:
        lines.append(" ".join(line))
    return [text.replace(opened, start).replace(closed, end) for text in lines]


def entity_summary(hit: Hit) -> str:
    """``person: A, B · place: C`` for the fields that have values."""
    return " · ".join(f"{name}: {', '.join(values)}" for name, values in hit.entities.items() if values)


def format_table(results: SearchResults, out: TextIO, *, width: int = 100, color: bool = False) -> None:
    """One block per hit: rank, article ¶ paragraph, title and date, entities, the fragment."""
    text_width = max(30, width - 5)
    for hit in results:
        head = f"{hit.rank:>3}  {_styled(hit.article, _CYAN, color)} ¶{hit.paragraph}"
        details = "  ".join(part for part in (hit.title and f"“{hit.title}”", hit.published[:10]) if part)
        out.write(head + (f"  {_styled(details, _DIM, color)}" if details else "") + "\n")
        summary = entity_summary(hit)
        if summary:
            for line in wrap_fragment(summary, text_width, False):
                out.write("     " + _styled(line, _DIM, color) + "\n")
        for line in wrap_fragment(hit.highlights, text_width, color):
            out.write(f"     {line}\n")
        out.write("\n")
    out.write(summary_line(results) + "\n")
    write_facets(results, out, width=width, color=color)


def write_facets(results: SearchResults, out: TextIO, *, width: int = 100, color: bool = False) -> None:
    """``place: U.S. 488 · Ecuador 119 ...``, a line per entity field that has names."""
    for name, values in results.facets.items():
        if values:
            line = " · ".join(f"{value} {count}" for value, count in values)
            for i, part in enumerate(wrap_fragment(line, max(30, width - 9), False)):
                out.write(f"{(name + ':') if i == 0 else '':<8} {_styled(part, _DIM, color)}\n")


def format_vertical(results: SearchResults, out: TextIO, *, width: int = 100, color: bool = False) -> None:
    """Every field of every hit on its own line, as in ``psql``'s expanded mode."""
    for hit in results:
        out.write(_styled(f"-[ {hit.rank} ]" + "-" * max(0, min(width, 60) - 8), _DIM, color) + "\n")
        rows = [("article", hit.article), ("paragraph", str(hit.paragraph)), ("title", hit.title),
                ("published", hit.published), ("score", f"{hit.score:.3f}")]
        rows += [(name, ", ".join(values)) for name, values in hit.entities.items()]
        for key, value in rows:
            if value:
                out.write(f"{key:<10} | {value}\n")
        lines = wrap_fragment(hit.highlights, max(30, width - 13), color)
        for i, line in enumerate(lines):
            out.write(f"{'text' if i == 0 else '':<10} | {line}\n")
    out.write(summary_line(results) + "\n")
    write_facets(results, out, width=width, color=color)


def summary_line(results: SearchResults) -> str:
    """``3 of 17 paragraphs (12 ms)``: which hits were shown, of how many, and the time."""
    shown = len(results)
    noun = "paragraph" if results.total == 1 else "paragraphs"
    if shown == results.total:
        counted = f"{results.total} {noun}"
    elif results.offset:
        counted = f"{results.offset + 1}-{results.offset + shown} of {results.total} {noun}"
    else:
        counted = f"{shown} of {results.total} {noun}"
    return f"{counted} ({results.seconds * 1000:.0f} ms)"


def format_jsonl(results: SearchResults, out: TextIO, **_: object) -> None:
    """One JSON object a line, one line a hit."""
    for hit in results:
        out.write(json.dumps(hit.to_dict(), ensure_ascii=False) + "\n")


def format_json(results: SearchResults, out: TextIO, **_: object) -> None:
    """One JSON document: the query, the total, the offset, the time, query warnings, the hits
    and the facets (when asked for)."""
    out.write(json.dumps(results.to_dict(), ensure_ascii=False, indent=2) + "\n")


def format_csv(results: SearchResults, out: TextIO, **_: object) -> None:
    """A header row and one row a hit; entity lists are joined with ``; ``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in results:
        row = hit.to_dict()
        writer.writerow([
            "; ".join(hit.entities.get(name, [])) if name in ENTITY_FIELDS else row[name]
            for name in CSV_COLUMNS
        ])


FORMATTERS: dict[str, Callable[..., None]] = {
    "table": format_table,
    "vertical": format_vertical,
    "jsonl": format_jsonl,
    "json": format_json,
    "csv": format_csv,
}


def write_results(results: SearchResults, out: TextIO, fmt: str = "table", *,
                  width: int = 100, color: bool = False) -> None:
    """Write ``results`` to ``out`` in the format named ``fmt`` (one of :data:`FORMATS`)."""
    FORMATTERS[fmt](results, out, width=width, color=color)


def format_explanation(explanation: Explanation, out: TextIO) -> None:
    """The parsed query, the default operator, warnings, and each top hit's scoring terms."""
    out.write(f"query:    {explanation.query}\n")
    out.write(f"runs as:  {explanation.parsed}\n")
    out.write(f"default operator between words: {explanation.operator}\n")
    for warning in explanation.warnings:
        out.write(f"warning:  {warning}\n")
    for rank, hit in enumerate(explanation.hits, start=1):
        out.write(f"\n{rank:>3}  {hit.article} ¶{hit.paragraph}  score {hit.score:.3f} =\n")
        for term in hit.terms:
            out.write(f"       {term.score:8.3f}  {term.field}:{term.term}\n")
    if not explanation.hits:
        out.write("\nno hits\n")


ENTITY_LIST_FORMATS = ("table", "jsonl", "json", "csv")


def write_entity_list(entities: list[EntityCount], out: TextIO, fmt: str = "table") -> None:
    """Entities with their paragraph and article counts, in one of :data:`ENTITY_LIST_FORMATS`."""
    if fmt == "jsonl":
        for entity in entities:
            out.write(json.dumps(entity.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "json":
        out.write(json.dumps([entity.to_dict() for entity in entities], ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("field", "name", "paragraphs", "articles"))
        writer.writerows((e.field, e.name, e.paragraphs, e.articles) for e in entities)
    else:
        out.write(_entity_table(entities) + f"{len(entities)} name{'s' * (len(entities) != 1)}\n")


def _entity_table(entities: list[EntityCount], with_field: bool = False) -> str:
    width = max([len(e.name) + (len(e.field) + 1 if with_field else 0) for e in entities] + [4])
    lines = [f"{'name':<{width}}  paragraphs  articles"]
    for e in entities:
        label = f"{e.field}:{e.name}" if with_field else e.name
        lines.append(f"{label:<{width}}  {e.paragraphs:>10,}  {e.articles:>8,}")
    return "\n".join(lines) + "\n"


def write_entity_page(page: EntityPage, out: TextIO, fmt: str = "table", *, width: int = 100,
                      color: bool = False) -> None:
    """An entity's page: name, counts, spellings and roles, articles, paragraphs, related entities."""
    if fmt == "json":
        out.write(json.dumps(page.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    within = f" matching {page.query!r}" if page.query else ""
    out.write(_styled(f"{page.field}: {page.name}", _BOLD_MATCH, color) +
              f"  {page.paragraphs:,} paragraph{'s' * (page.paragraphs != 1)}{within} in "
              f"{page.articles:,} article{'s' * (page.articles != 1)}\n")
    if page.written:
        out.write("written as: " + ", ".join(f"{n.name} ({n.count})" for n in page.written) + "\n")
    if page.roles:
        out.write("roles:      " + ", ".join(f"{n.name} ({n.count})" for n in page.roles) + "\n")
    if page.also:
        out.write(_styled("also:       " + ", ".join(page.also), _DIM, color) + "\n")
    if page.mentions:
        out.write("\narticles:\n")
        for article in page.mentions[:20]:
            details = "  ".join(part for part in (article.title and f"“{article.title}”", article.published[:10])
                                if part)
            numbers = ", ".join(f"¶{n}" for n in article.paragraphs)
            out.write(f"  {_styled(article.article, _CYAN, color)}  {numbers}" +
                      (f"  {_styled(details, _DIM, color)}" if details else "") + "\n")
        if len(page.mentions) > 20:
            out.write(f"  ... and {len(page.mentions) - 20:,} more\n")
    if page.hits:
        out.write("\nparagraphs:\n")
        for hit in page.hits:
            out.write(f"{hit.rank:>3}  {_styled(hit.article, _CYAN, color)} ¶{hit.paragraph}\n")
            for line in wrap_fragment(hit.highlights, max(30, width - 5), color):
                out.write(f"     {line}\n")
    if page.related:
        out.write("\nnamed with it (shared paragraphs, articles):\n")
        out.write("".join(f"  {line}\n" for line in _entity_table(page.related, with_field=True).splitlines()))
