"""Every piece of text searchidx shows: results, explanations, entity lists and pages,
statistics and reports, as tables and records for people and as JSON Lines, JSON and CSV
for other programs.

The CLI and the console call the same functions, so a thing reads the same in both.
Formatters write to a text stream (or return a string) and never decide about colour
themselves: the caller says whether the stream is a terminal (``color``). :data:`FORMATS`
is the one table of which formats each kind of output has.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .models import ENTITY_FIELDS, Hit, SearchResults
from .snippets import MARK_END, MARK_START
from .terminal import printable

if TYPE_CHECKING:
    from .entities import EntityCount, EntityPage
    from .explanations import Explanation
    from .reports import ExportReport, IndexCheck, IndexingReport, IndexStats

#: The formats of each kind of output, the first being the default.
FORMATS: dict[str, tuple[str, ...]] = {
    "results": ("table", "vertical", "jsonl", "json", "csv"),
    "explanation": ("table", "json"),
    "entities": ("table", "jsonl", "json", "csv"),
    "entity": ("table", "json"),
    "stats": ("table", "json"),
}
RESULT_FORMATS = FORMATS["results"]
#: The result formats written for people to read (the others are for programs).
HUMAN_FORMATS = ("table", "vertical")

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
    """One block per hit: rank, article ¶ paragraph, title and date, entities, the fragment;
    "did you mean" first when the query has a respelling."""
    text_width = max(30, width - 5)
    write_suggestion(results, out, color=color)
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
    write_suggestion(results, out, color=color)
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


def write_suggestion(results: SearchResults, out: TextIO, *, color: bool = False) -> None:
    """``did you mean: person:"Arsene Wenger"`` when the query has a respelling."""
    if results.suggestion:
        out.write(f"did you mean: {_styled(printable(results.suggestion), _BOLD_MATCH, color)}\n")


def summary_line(results: SearchResults) -> str:
    """``3 of 17 paragraphs (12 ms)``: which hits were shown, of how many ("at least" when
    the time limit cut the count short), and the time."""
    shown = len(results)
    noun = "paragraph" if results.total == 1 and results.total_exact else "paragraphs"
    total = results.total_text
    if not shown and results.offset and results.total:
        counted = f"0 of {total} {noun}: offset {results.offset} is past the end"
    elif (shown == results.total and results.total_exact) or not (shown or results.offset):
        counted = f"{total} {noun}"  # all, or only the count (limit 0)
    elif results.offset:
        counted = f"{results.offset + 1}-{results.offset + shown} of {total} {noun}"
    else:
        counted = f"{shown} of {total} {noun}"
    return f"{counted} ({results.seconds * 1000:.0f} ms)"


def format_jsonl(results: SearchResults, out: TextIO, *, with_query: bool = False, **_: object) -> None:
    """One JSON object a line, one line a hit (with the query's ``suggestion`` when it has
    one, and the ``query`` itself when several queries write to one stream)."""
    extra: dict[str, str] = {"query": results.query} if with_query else {}
    if results.suggestion:
        extra["suggestion"] = results.suggestion
    for hit in results:
        out.write(json.dumps(hit.to_dict() | extra, ensure_ascii=False) + "\n")


def format_json(results: SearchResults, out: TextIO, **_: object) -> None:
    """One JSON document: the query, the total, the offset, the time, query warnings, the hits
    and the facets (when asked for)."""
    out.write(json.dumps(results.to_dict(), ensure_ascii=False, indent=2) + "\n")


def _csv_writer(out: TextIO) -> Any:
    """A CSV writer of rows ending in a bare newline (csv loaded only for CSV output)."""
    import csv

    return csv.writer(out, lineterminator="\n")


def format_csv(results: SearchResults, out: TextIO, *, with_query: bool = False, header: bool = True,
               **_: object) -> None:
    """A header row and one row a hit; entity lists are joined with ``; ``. ``with_query``
    adds a first column with the query (several queries in one table, the header once)."""
    writer = _csv_writer(out)
    first = ["query"] if with_query else []
    if header:
        writer.writerow(first + list(CSV_COLUMNS))
    for hit in results:
        row = hit.to_dict()
        writer.writerow([results.query] * len(first) + [
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
                  width: int = 100, color: bool = False, many: int = 0) -> None:
    """Write ``results`` to ``out`` in the format named ``fmt`` (one of ``FORMATS["results"]``).

    ``many`` numbers one of several queries written to one stream (from 1; 0: a single
    query): people's formats get a heading per query, JSON Lines and CSV a ``query`` field
    (CSV's header only once); JSON writes one document per query (each has its ``query``)."""
    if many and fmt in HUMAN_FORMATS:
        out.write(("\n" if many > 1 else "") + _styled(f"== {printable(results.query)}", _CYAN, color) + "\n")
    options: dict[str, bool] = {"with_query": True, "header": many == 1} if many and fmt in ("jsonl", "csv") else {}
    FORMATTERS[fmt](results, out, width=width, color=color, **options)


def write_explanation(explanation: Explanation, out: TextIO, fmt: str = "table") -> None:
    """The parsed query, the default operator, warnings, and each top hit's scoring terms."""
    if fmt == "json":
        out.write(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
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


def write_entity_list(entities: list[EntityCount], out: TextIO, fmt: str = "table") -> None:
    """Entities with their paragraph and article counts, in one of ``FORMATS["entities"]``."""
    if fmt == "jsonl":
        for entity in entities:
            out.write(json.dumps(entity.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "json":
        out.write(json.dumps([entity.to_dict() for entity in entities], ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        writer = _csv_writer(out)
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


def write_stats(stats: IndexStats, out: TextIO, fmt: str = "table") -> None:
    """An index's counts, size, model and schema: one per line, or one JSON document."""
    if fmt == "json":
        out.write(json.dumps(stats.to_dict(), indent=2) + "\n")
        return
    rows = [("index", stats.path), ("articles", f"{stats.articles:,}"), ("paragraphs", f"{stats.paragraphs:,}")]
    rows += [(f"{name} names", f"{count:,}") for name, count in stats.entities.items()]
    rows += [("size", f"{stats.size_bytes / 1e6:.1f} MB"), ("model", stats.model),
             ("schema", str(stats.schema_version))]
    for key, value in rows:
        out.write(f"{key:<14} {value}\n")


def describe_report(report: IndexingReport, seconds: float, path: Path | str) -> str:
    """One line that says what an indexing run did."""
    parts = [f"{report.articles_added} new", f"{report.articles_updated} updated",
             f"{report.articles_unchanged} unchanged"]
    line = (f"indexed {report.paragraphs_written} paragraphs into {path} in {seconds:.1f} s "
            f"(articles: {', '.join(parts)})")
    if report.paragraphs_settled:
        line += f"; {report.paragraphs_settled} paragraphs given the entity fields and names of the whole corpus"
    if report.skipped:
        line += f"; {report.skipped} skipped (see warnings above)"
    return line


def describe_deletion(report: IndexingReport, path: Path | str) -> str:
    """One line that says what a deletion did."""
    deleted = report.articles_deleted
    return (f"deleted {deleted} article{'s' * (deleted != 1)} from {path}"
            + (f"; {report.articles_missing} not in the index" if report.articles_missing else ""))


def describe_check(check: IndexCheck) -> list[str]:
    """What ``check`` found: one line per problem and a last line that sums it up (and says
    how to repair a damaged index)."""
    if check.problems:
        return [f"{check.path}: {problem}" for problem in check.problems] + [
            f"{check.path} is damaged; rebuild it with `searchidx index --rebuild --index {check.path}`"]
    recorded = (f"{check.files_verified} files match their digests" if check.files_verified
                else "no digests recorded (built by an older searchidx)")
    return [f"{check.path} is sound: {check.paragraphs:,} paragraphs read, {recorded}"]


def describe_export(report: ExportReport) -> list[str]:
    """What an export wrote, and the commands that load it into a cluster."""
    files = len(report.files)
    lines = [f"exported {report.documents:,} paragraphs to {report.folder}: {report.mapping.name} and "
             f"{files} bulk file{'s' * (files != 1)} ({_size(report.size_bytes)}) for the index {report.name!r}",
             "to load them into OpenSearch or Elasticsearch, run (with your cluster's address):"]
    return lines + [f"  {command}" for command in report.curl_commands()]


def _size(size_bytes: int) -> str:
    """A size in MB, or in kB below one MB."""
    mb = 1_000_000
    return f"{size_bytes / mb:.1f} MB" if size_bytes >= mb else f"{size_bytes / 1000:.1f} kB"


def describe_fields(fields: Mapping[str, str], names: Mapping[str, int]) -> str:
    """The fields a query can name with what each holds, and the number of names in each entity field."""
    lines = []
    for name, description in fields.items():
        extra = f" ({names[name]:,} names)" if name in names else ""
        lines.append(f"  {name + ':':<12} {description}{extra}")
    return "\n".join(lines) + "\n"


def write_article(hit: Hit, paragraphs: Sequence[Hit], out: TextIO, *, width: int = 100,
                  color: bool = False) -> None:
    """A whole article, its paragraphs numbered, the paragraph of ``hit`` marked (with its
    matches and entities)."""
    out.write(f"{hit.article}" + (f"  “{hit.title}”" if hit.title else "") +
              (f"  {hit.published[:10]}" if hit.published else "") + "\n")
    for paragraph in paragraphs:
        here = paragraph.paragraph == hit.paragraph
        body = hit.highlights if here and len(hit.highlights) >= len(paragraph.text) else paragraph.text
        wrapped = wrap_fragment(body, max(30, width - 6), color)
        out.write(f"{'▶' if here else ' '}{paragraph.paragraph:>3}  {wrapped[0] if wrapped else ''}\n")
        for rest in wrapped[1:]:
            out.write(f"      {rest}\n")
        if here and entity_summary(paragraph):
            out.write(f"      [{entity_summary(paragraph)}]\n")
