"""``searchidx serve`` over real HTTP: every page and API endpoint, the error shapes, the
limits, writing with a token, and escaping of hostile articles, names, ids and queries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import HOSTILE_ID, HOSTILE_LINK, HOSTILE_NAME, HOSTILE_TITLE, ROOT, SEEDS
from web_support import Served, serving, stop

from searchidx import SearchIndex

TOKEN = "a-test-token-of-enough-length"


@pytest.fixture(scope="module")
def server(web_index_path: Path) -> Any:
    with serving(web_index_path, "--workers", "2") as served:
        yield served
    assert "Traceback" not in served.log.read_text()


# -- the JSON API ------------------------------------------------------------------------

def test_search_api(server: Served) -> None:
    status, doc = server.json("/api/search", q="rotterdam", limit=3, facets=5)
    assert status == 200
    assert doc["total"] > 3 and len(doc["hits"]) == 3 and doc["limit"] == 3 and doc["offset"] == 0
    hit = doc["hits"][0]
    assert {"rank", "article", "paragraph", "title", "published", "score", "text", "entities",
            "highlights"} <= set(hit)
    assert "<em>" in hit["highlights"]
    assert "Maria Jansen" in [facet["name"] for facet in doc["facets"]["person"]]
    _, page2 = server.json("/api/search", q="rotterdam", limit=3, page=2)
    assert page2["offset"] == 3 and page2["hits"][0]["rank"] == 4
    _, newest = server.json("/api/search", q="rotterdam", sort="newest", limit=20)
    dates = [h["published"] for h in newest["hits"] if h["published"]]
    assert dates == sorted(dates, reverse=True)


def test_search_api_repairs_and_suggests(server: Served) -> None:
    _, doc = server.json("/api/search", q='"port of rotterdam')
    assert doc["total"] > 0 and doc["warnings"]
    _, doc = server.json("/api/search", q="rotterdma harbuor")
    assert doc["suggestion"] and "rotterdam" in doc["suggestion"].lower()
    status, doc = server.json("/api/search", q='"port of rotterdam', strict=1)
    assert status == 400 and doc["error"]["code"] == "bad_query" and doc["error"]["status"] == 400


@pytest.mark.parametrize("params, message", [
    ({}, "missing parameter 'q'"),
    ({"q": "x", "limit": "0"}, "limit must be from 1 to 100"),
    ({"q": "x", "limit": "abc"}, "limit must be a whole number"),
    ({"q": "x", "offset": "20000"}, "offset must be from 0 to 10000"),
    ({"q": "x", "sort": "random"}, "sort must be one of"),
    ({"q": "x", "facets": "99"}, "facets must be from 0 to 50"),
])
def test_search_api_bad_parameters(server: Served, params: dict[str, str], message: str) -> None:
    status, doc = server.json("/api/search", **params)
    assert status == 400 and doc["error"]["code"] == "bad_request"
    assert message in doc["error"]["message"]


def test_check_api_gives_tokens_warnings_and_count(server: Served) -> None:
    status, doc = server.json("/api/check", q='person:jansen "unclosed nosuch:x')
    assert status == 200
    kinds = [t["kind"] for t in doc["tokens"] if t["kind"] != "space"]
    assert kinds[0] == "field" and "error" in kinds
    assert "".join(t["text"] for t in doc["tokens"]) == 'person:jansen "unclosed nosuch:x'
    assert doc["warnings"]
    _, doc = server.json("/api/check", q="person:jansen")
    assert doc["total"] >= 5 and doc["warnings"] == [] and doc["error"] is None


def test_explain_similar_stats_health(server: Served) -> None:
    _, doc = server.json("/api/explain", q="wind farm")
    assert doc["parsed"] and doc["hits"]
    _, doc = server.json("/api/similar", article="energy-01", paragraph=1, limit=3)
    assert 0 < len(doc["hits"]) <= 3 and all(h["article"] != "energy-01" or h["paragraph"] != 1 for h in doc["hits"])
    _, doc = server.json("/api/stats")
    assert doc["articles"] == 14 and doc["paragraphs"] > 30
    assert server.json("/api/health") == (200, {"status": "ok", "paragraphs": doc["paragraphs"]})


def test_entities_and_entity_api(server: Served) -> None:
    _, names = server.json("/api/entities/person", prefix="jan")
    assert names[0]["name"] == "Maria Jansen" and names[0]["paragraphs"] >= 6
    status, page = server.json("/api/entity/person/jansen")
    assert status == 200 and page["name"] == "Maria Jansen"
    timeline = page["timeline"]
    assert timeline["by"] == "month"
    periods = [b["period"] for b in timeline["buckets"]]
    assert periods[0] == "2023-01" and periods[-1] == "2024-04" and len(periods) == 16  # gaps filled
    assert sum(b["paragraphs"] for b in timeline["buckets"]) + timeline["undated"] == page["paragraphs"]
    assert any(r["name"] == "Rotterdam" for r in page["related"])
    _, yearly = server.json("/api/entity/person/Maria Jansen", by="year")
    assert [b["period"] for b in yearly["timeline"]["buckets"]] == ["2023", "2024"]
    _, within = server.json("/api/entity/person/jansen", q="breakwater")
    assert within["paragraphs"] < page["paragraphs"] and within["query"] == "breakwater"


def test_entity_api_errors(server: Served) -> None:
    status, doc = server.json("/api/entity/person/Nobody Atall")
    assert status == 404 and doc["error"]["code"] == "not_found"
    status, doc = server.json("/api/entities/colour")
    assert status == 400 and "not an entity field" in doc["error"]["message"]


def test_article_api(server: Served) -> None:
    status, doc = server.json("/api/article/energy-02")
    assert status == 200 and doc["title"] == "Wind farm wins approval" and len(doc["paragraphs"]) == 3
    status, doc = server.json("/api/article/no-such")
    assert status == 404 and doc["error"] == {"status": 404, "code": "not_found",
                                              "message": "no article 'no-such' in the index"}


def test_unknown_paths_and_methods(server: Served) -> None:
    status, doc = server.json("/api/nothing")
    assert status == 404 and doc["error"]["code"] == "not_found"
    status, headers, body = server.request("POST", "/api/search", body=b"{}")
    assert status == 405 and headers["allow"] == "GET" and json.loads(body)["error"]["code"] == "method_not_allowed"
    status, page = server.html("/no/such/page")
    assert status == 404 and "no such page" in page
    status, headers, body = server.request("HEAD", "/api/stats")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


# -- pages -------------------------------------------------------------------------------

def links(page: str) -> list[str]:
    return [value for tag, attrs in Tags.of(page) for name, value in attrs if name == "href" and value]



def test_search_page(server: Served) -> None:
    status, page = server.html("/", q="jansen")
    assert status == 200
    assert "<mark>Jansen</mark>" in page
    hrefs = links(page)
    narrow = [h for h in hrefs if h.startswith("/?") and 'place:"Rotterdam"' in parse_qs(urlsplit(h).query)["q"][0]
              and "-place" not in h]
    exclude = [h for h in hrefs if h.startswith("/?") and '-place:"Rotterdam"' in parse_qs(urlsplit(h).query)["q"][0]]
    assert narrow and exclude
    assert "/entity/person/Maria%20Jansen" in hrefs
    assert any(h.startswith("/similar?article=") for h in hrefs)
    # the facet links give narrower and complementary results
    total = server.json("/api/search", q="jansen")[1]["total"]
    narrowed = server.json("/api/search", q=parse_qs(urlsplit(narrow[0]).query)["q"][0])[1]["total"]
    excluded = server.json("/api/search", q=parse_qs(urlsplit(exclude[0]).query)["q"][0])[1]["total"]
    assert 0 < narrowed < total and narrowed + excluded == total


def test_search_page_paging_sorting_and_suggestion(server: Served) -> None:
    _, page = server.html("/", q="rotterdam", sort="newest")
    assert 'rel="next"' in page and 'rel="prev"' not in page and "<option value=\"newest\" selected>" in page
    nxt = next(h for h in links(page) if "page=2" in h)
    assert "sort=newest" in nxt
    _, page2 = server.html(nxt.split("?")[0] or "/", **{k: v[0] for k, v in parse_qs(urlsplit(nxt).query).items()})
    assert 'rel="prev"' in page2 and 'aria-current="page"' in page2
    _, page = server.html("/", q="rotterdam", limit=3, whole=1)
    assert any("page=2" in h and "limit=3" in h and "whole=1" in h for h in links(page))
    _, page = server.html("/", q="rotterdma")
    assert 'id="did-you-mean"' in page
    _, page = server.html("/", q='"port of rotterdam')
    assert 'class="warnings"' in page


def test_home_entity_article_similar_entities_pages(server: Served) -> None:
    status, page = server.html("/")
    assert status == 200 and "Maria Jansen" in page and 'role="search"' in page and '<label for="q">' in page
    status, page = server.html("/entity/person/Maria Jansen")
    assert status == 200 and "<svg" in page and page.count('class="bar"') == 16 and "Rotterdam" in page
    assert 'role="img"' in page and "<table>" in page  # the chart has a text equivalent
    bar = next(h for h in links(page) if "published%3A2023-01" in h)
    assert server.json("/api/search", q=parse_qs(urlsplit(bar).query)["q"][0])[1]["total"] == 2
    status, page = server.html("/entity/person/Maria Jansen", by="year")
    assert page.count('class="bar"') == 2
    status, page = server.html("/article/council-01", p=2)
    assert status == 200 and 'id="p2" class="paragraph marked"' in page
    status, page = server.html("/similar", article="energy-01", paragraph=1)
    assert status == 200 and "More like" in page
    status, page = server.html("/entities/place", prefix="rot")
    assert status == 200 and "/entity/place/Rotterdam" in page
    status, page = server.html("/entity/person/Nobody Atall")
    assert status == 404 and 'role="alert"' in page


def test_static_assets_and_headers(server: Served) -> None:
    status, headers, body = server.get("/static/app.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"textContent" in body
    status, again, _ = server.request("GET", "/static/app.js", headers={"If-None-Match": headers["etag"]})
    assert status == 304
    _, headers, _ = server.get("/")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"


# -- safety ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                  "/static/", "/static/app.css/../../pyproject.toml",
                                  "/article/../../../etc/passwd", "/api/article/%2e%2e%2fpyproject.toml"])
def test_no_path_reaches_the_file_system(server: Served, path: str) -> None:
    status, _, body = server.request("GET", path)
    assert status in (400, 404) and b"root:" not in body and b"[project]" not in body


def test_only_loopback_host_names_are_answered(server: Served) -> None:
    status, _, body = server.request("GET", "/api/stats", headers={"Host": "attacker.example"})
    assert status == 421 and json.loads(body)["error"]["code"] == "wrong_host"
    assert server.request("GET", "/api/stats", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_request_size_is_bounded(server: Served) -> None:
    status, _, body = server.request("GET", "/api/search", {"q": "a" * 5000})
    assert status == 414 and json.loads(body)["error"]["code"] == "too_long"
    status, _, _ = server.request("GET", "/api/stats", headers={"X-Big": "b" * 9000})
    assert status in (400, 431)
    status, _, _ = server.request("GET", "/" + "p" * 9000)
    assert status in (400, 414)


def test_writing_is_off_without_a_token(server: Served) -> None:
    status, _, body = server.request("POST", "/api/articles", body=b'{"id": "x", "text": "y"}',
                                     headers={"Content-Type": "application/json"})
    assert status == 403 and json.loads(body)["error"]["code"] == "writes_off"
    status, _, body = server.request("DELETE", "/api/articles/energy-01")
    assert status == 403
    assert server.json("/api/article/energy-01")[0] == 200


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, [(name, value or "") for name, value in attrs]))

    @classmethod
    def of(cls, page: str) -> list[tuple[str, list[tuple[str, str]]]]:
        parser = cls()
        parser.feed(page)
        return parser.found


def assert_inert(page: str) -> None:
    """No script but the app's own, no event handler, no javascript: link, no injected tag."""
    for tag, attrs in Tags.of(page):
        assert tag not in ("img", "svg") or tag == "svg" and ("role", "img") in attrs, (tag, attrs)
        assert tag != "x"
        if tag == "script":
            assert attrs and dict(attrs).get("src", "").startswith("/static/app.js"), attrs
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith("javascript:"), (tag, name, value)


def test_hostile_articles_names_and_ids_are_escaped(server: Served) -> None:
    views = [
        server.html("/", q="harbour"),
        server.html("/", q="reporter"),
        server.html("/", q='person:"alert"'),
        server.html("/", q='<script>alert("q")</script> "><img src=x onerror=alert(9)>'),
        server.html("/entity/person/" + HOSTILE_NAME),
        server.html("/entity/org/" + HOSTILE_LINK),
        server.html("/entities/person"),
        server.html("/entities/org"),
        server.html("/article/" + HOSTILE_ID.replace("?", "%3F").replace("#", "%23")),
        server.html("/similar", article=HOSTILE_ID, paragraph=1),
        server.html("/no/<script>alert(1)</script>"),
    ]
    for status, page in views:
        assert status in (200, 400, 404)
        assert_inert(page)
    hostile = views[1][1]
    assert HOSTILE_ID not in hostile and "&lt;x onmouseover=alert(3)&gt;" in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile  # shown as text, in the hit's names
    entity = views[4][1]
    assert views[4][0] == 200 and "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in entity
    article = views[8]
    assert article[0] == 200 and "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in article[1]
    assert '&lt;img src=x onerror=alert(4)&gt;' in article[1]
    # the hostile entity page links to its own paragraphs and searches, quoted
    assert any(h.startswith("/article/evil/%22%3Cx%20onmouseover") for h in links(entity))
    # and the JSON is data, not markup
    _, doc = server.json("/api/article/" + HOSTILE_ID.replace("?", "%3F").replace("#", "%23"))
    assert doc["title"] == HOSTILE_TITLE and doc["paragraphs"][0]["entities"]["person"] == [HOSTILE_NAME]


# -- the command ---------------------------------------------------------------------------

def test_new_commits_are_seen_by_every_worker(tmp_path: Path) -> None:
    index = tmp_path / "index"
    with SearchIndex.create(index) as idx:
        idx.add_paths([SEEDS])
    with serving(index, "--workers", "2") as served:
        assert served.json("/api/search", q="zorblatt")[1]["total"] == 0
        with SearchIndex.open(index) as idx:
            idx.add_article("The zorblatt festival opened in Rotterdam.", id="new-1", title="Zorblatt")
        totals = {served.json("/api/search", q="zorblatt")[1]["total"] for _ in range(12)}
        assert totals == {1}


def test_writing_with_a_token(tmp_path: Path) -> None:
    index = tmp_path / "index"
    with SearchIndex.create(index) as idx:
        idx.add_paths([SEEDS])
    with serving(index, "--workers", "1", env={"SEARCHIDX_WRITE_TOKEN": TOKEN}) as served:
        article = json.dumps({"id": "w-1", "title": "A new market", "date": "2024-01-02",
                              "text": "The quoxtle market opened in Rotterdam.\n\nTraders came."}).encode()
        json_type = {"Content-Type": "application/json"}
        status, headers, body = served.request("POST", "/api/articles", body=article, headers=json_type)
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        wrong = {**json_type, "Authorization": "Bearer not-the-token-at-all"}
        assert served.request("POST", "/api/articles", body=article, headers=wrong)[0] == 401
        good = {**json_type, "Authorization": f"Bearer {TOKEN}"}
        status, _, body = served.request("POST", "/api/articles", body=article, headers=good)
        assert status == 200 and json.loads(body)["articles_added"] == 1
        assert served.json("/api/search", q="quoxtle")[1]["total"] == 1
        status, _, body = served.request("POST", "/api/articles", body=b"[1]", headers=good)
        assert status == 400
        status, _, body = served.request("POST", "/api/articles", body=article,
                                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"})
        assert status == 415
        big = b'{"id": "big", "text": "' + b"a" * (3 * 1024 * 1024) + b'"}'
        status, _, body = served.request("POST", "/api/articles", body=big, headers=good)
        assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        status, _, body = served.request("DELETE", "/api/articles/w-1", headers=auth)
        assert status == 200 and json.loads(body)["articles_deleted"] == 1
        assert served.json("/api/search", q="quoxtle")[1]["total"] == 0
        assert served.request("DELETE", "/api/articles/w-1", headers=auth)[0] == 404
    assert "Traceback" not in served.log.read_text()


def serve_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "searchidx", "serve", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env={**os.environ, **(env or {})})


def test_serve_errors_are_one_line(tmp_path: Path, seed_index_path: Path) -> None:
    missing = serve_command("--index", str(tmp_path / "none"), "--port", "0")
    assert missing.returncode == 3 and len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = serve_command("--index", str(seed_index_path), "--port", str(port))
    assert busy.returncode == 1 and busy.stderr.startswith(f"searchidx: error: cannot listen on 127.0.0.1:{port}")
    assert len(busy.stderr.strip().splitlines()) == 1
    short = serve_command("--index", str(seed_index_path), env={"SEARCHIDX_WRITE_TOKEN": "short"})
    assert short.returncode == 2 and "16 characters" in short.stderr


def test_ctrl_c_stops_cleanly(seed_index_path: Path) -> None:
    with serving(seed_index_path, "--workers", "2") as served:
        assert served.json("/api/health")[0] == 200
        started = time.monotonic()
        stop(served.process)
        code = served.process.wait(20)
        assert code == 0 and time.monotonic() - started < 10
    log = served.log.read_text()
    assert "stopped" in log and "Traceback" not in log
