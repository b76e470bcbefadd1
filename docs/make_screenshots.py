"""Take the screenshots of `searchidx serve` shown in the README (docs/screenshots/*.png).

    python docs/make_screenshots.py [--chromium PATH]

Indexes the invented news of tests/fixtures/web and the seed article into a temporary
folder, serves it, and photographs the main views with the system's headless Chromium
through Playwright (as tests/test_web_browser.py does).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from searchidx import SearchIndex

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWS = [  # file, address, viewport width, height
    ("search.png", "?q=jansen", 1200, 860),
    ("entity.png", "entity/person/Maria%20Jansen", 1200, 980),
    ("article.png", "article/council-01?p=3#p3", 1200, 700),
    ("phone.png", "?q=jansen%20place%3A%22Rotterdam%22", 390, 844),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/lib/chromium/chromium")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        with SearchIndex.create(index) as idx:
            idx.add_paths([ROOT / "tests" / "fixtures" / "web" / "news.jsonl", ROOT / "seeds"])
        server = subprocess.Popen([sys.executable, "-m", "searchidx", "serve", "--index", str(index), "--port", "0",
                                   "--workers", "1"], stdout=subprocess.PIPE, text=True)
        try:
            url = (server.stdout.readline() if server.stdout else "").strip()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                for name, path, width, height in VIEWS:
                    page = browser.new_page(viewport={"width": width, "height": height},
                                            is_mobile=width < 500, color_scheme="light")
                    page.goto(url + path)
                    if name == "search.png":  # show the as-you-type feedback too
                        page.locator("#q").press("End")
                        page.keyboard.type(' "cranes')
                        page.locator("#feedback").get_by_text("quote").wait_for()
                    page.screenshot(path=OUT / name)
                    page.close()
                    print(OUT / name)
                browser.close()
        finally:
            server.terminate()
            server.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
