"""The pure helpers behind the web pages: marked fragments, facet queries, page numbers and
an entity's timeline."""

from __future__ import annotations

from searchidx import ArticleMentions, EntityPage
from searchidx.web.views import Pager, article_url, chart, entity_url, marked, timeline, with_clause


def test_marked_escapes_everything_but_its_own_marks() -> None:
    fragment = 'a <script>x</script> "q" & <em>word</em> <img src=x onerror=y> <em>two'
    html = str(marked(fragment))
    assert html == ('a &lt;script&gt;x&lt;/script&gt; &#34;q&#34; &amp; <mark>word</mark> '
                    '&lt;img src=x onerror=y&gt; <mark>two</mark>')
    assert str(marked("</em>stray")) == "&lt;/em&gt;stray"


def test_facet_queries_narrow_and_exclude() -> None:
    assert with_clause("oil", "place", "U.S.") == 'oil place:"U.S."'
    assert with_clause("oil ", "person", 'A "B" C', exclude=True) == 'oil -person:"A  B  C"'
    assert with_clause("", "org", "Navy") == 'org:"Navy"'


def test_urls_quote_names_and_ids() -> None:
    assert entity_url("person", 'a/b "c"?#') == "/entity/person/a%2Fb%20%22c%22%3F%23"
    assert article_url("business/001", 3) == "/article/business/001?p=3#p3"
    assert article_url("x?y#z") == "/article/x%3Fy%23z"


def test_pager() -> None:
    assert Pager.of(95, 40, 10) == Pager(5, 10, [1, 3, 4, 5, 6, 7, 10])
    assert Pager.of(0, 0, 10) == Pager(1, 1, [1])


def page_of(*mentions: tuple[str, int]) -> EntityPage:
    return EntityPage(field="person", name="X", query="", paragraphs=sum(n for _, n in mentions),
                      articles=len(mentions), written=[], roles=[], hits=[], related=[],
                      mentions=[ArticleMentions(f"a{i}", "", date, list(range(1, n + 1)))
                                for i, (date, n) in enumerate(mentions)])


def test_timeline_by_month_fills_gaps_and_counts_undated() -> None:
    line = timeline(page_of(("1987-03-02T09:30:00", 2), ("1987-05-01", 1), ("1987-03-20", 1), ("", 4),
                            ("15-APR-1987", 1), ("1987-13-01", 1)))
    assert line.by == "month" and line.undated == 6
    assert [(b.period, b.paragraphs, b.articles) for b in line.buckets] == [
        ("1987-03", 3, 2), ("1987-04", 0, 0), ("1987-05", 1, 1)]


def test_timeline_by_year_when_months_span_long() -> None:
    line = timeline(page_of(("2001-01-01", 1), ("2005-06-01", 2)))
    assert line.by == "year" and [b.period for b in line.buckets] == ["2001", "2002", "2003", "2004", "2005"]
    assert len(timeline(page_of(("2001-01-01", 1), ("2005-06-01", 2)), by="month").buckets) == 54
    assert timeline(page_of(("", 3))).buckets == []


def test_chart_bars_are_proportional_and_visible() -> None:
    drawn = chart(timeline(page_of(("2020-01-01", 100), ("2020-02-01", 1), ("2020-04-01", 50))))
    heights = [bar.height for bar in drawn.bars]
    assert heights[0] > heights[3] > heights[1] >= 2 and heights[2] == 0
    assert all(bar.y + bar.height == drawn.base for bar in drawn.bars)
