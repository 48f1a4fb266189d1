"""The built book, as a reader's browser shows it: headless Chromium over http://127.0.0.1.

Per page: it loads with no missing asset and no request off the machine, every image loads, the
math is typeset by MathJax without errors, no cell output shows a traceback or a warning, every
internal link (and #anchor) resolves, and the first screen is saved as a screenshot. Site-wide:
every page of the table of contents was built and the search page finds a word of the book.
"""

from __future__ import annotations

import re
import struct
import urllib.parse

import pytest
import yaml

import sitecheck


def toc_files(toc: dict) -> list[str]:
    """Every `root`/`file` entry of a Jupyter Book _toc.yml, in order."""
    found = [toc["root"]] if "root" in toc else []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def lines(problems: list) -> str:
    return "\n  " + "\n  ".join(map(str, problems))


def test_site_is_built(site):
    pages = sitecheck.site_pages(site)
    expected = [f + ".html" for f in toc_files(yaml.safe_load((sitecheck.ROOT / "_toc.yml").read_text()))]
    missing = [p for p in expected if p not in pages]
    assert expected and not missing, f"pages of _toc.yml missing from {site}:{lines(missing)}"


def test_index_redirects_to_a_page(site):
    match = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', (site / "index.html").read_text())
    assert match, "index.html is not the Jupyter Book redirect page"
    assert (site / match.group(1)).is_file(), f"index.html redirects to missing {match.group(1)}"


def test_page_loads_every_asset_locally(visits, page):
    v = visits(page)
    problems = ([f"the page itself: HTTP {v.status}"] if v.status != 200 else []) + [
        f"HTTP {status}: {url}" for url, status in v.bad_responses] + [
        f"failed ({why}): {url}" for url, why in v.failed_requests] + [
        f"request off the machine (blocked; the site must be self-contained): {kind} {url}"
        for kind, url in v.external_requests]
    assert not problems, f"{page}:{lines(problems)}"


def test_images_load(visits, page):
    v = visits(page)
    broken = [img["src"] for img in v.images if img["width"] == 0]
    assert not broken, f"{page}: {len(broken)} of {len(v.images)} images did not load:{lines(broken)}"


def test_images_have_alt_text(visits, page):
    """Alt text that is missing, or is only the image's file name (myst-nb's default), says nothing."""
    v = visits(page)
    bad = [img["src"].rsplit("/", 1)[-1] for img in v.images
           if not (img["alt"] or "").strip() or img["alt"].rsplit("/", 1)[-1] == img["src"].rsplit("/", 1)[-1]]
    assert not bad, f"{page}: {len(bad)} of {len(v.images)} images have no alt text:{lines(bad)}"


def test_math_renders(visits, page):
    v = visits(page)
    math = v.math
    if math["elements"]:
        assert math["loaded"], (
            f"{page}: {math['elements']} math elements but MathJax did not load "
            f"(requests to other hosts: {v.external_requests})")
        assert not math["timedOut"], f"{page}: MathJax did not finish typesetting"
    assert not math["untypeset"], f"{page}: math that MathJax did not typeset:{lines(math['untypeset'])}"
    assert not math["errors"], f"{page}: MathJax errors:{lines(math['errors'])}"
    assert not sitecheck.mathjax_console(v), f"{page}: MathJax on the console:{lines(sitecheck.mathjax_console(v))}"
    raw = sitecheck.raw_tex(v.text_nodes)
    assert not raw, f"{page}: TeX left as text (not parsed as math):{lines(raw)}"


def test_cell_outputs_have_no_traceback_or_warning(visits, page):
    problems = sitecheck.output_problems(visits(page).outputs)
    assert not problems, f"{page}: cell outputs that show a problem:{lines(problems)}"


def test_internal_links_resolve(visits, page, site, base_url):
    problems = sitecheck.broken_links(visits(page).links, site, base_url)
    assert not problems, f"{page}: broken internal links:{lines(problems)}"


def test_no_javascript_errors(visits, page):
    problems = sitecheck.console_problems(visits(page))
    assert not problems, f"{page}:{lines(problems)}"


def test_first_screen_screenshot(visits, page):
    shot = visits(page).screenshot
    assert shot is not None and shot.is_file(), f"{page}: no screenshot"
    assert png_size(shot) == (sitecheck.VIEWPORT["width"], sitecheck.VIEWPORT["height"])


def search(browser, base_url: str, query: str) -> list[str]:
    """Run the site's search page for `query`; the hrefs of the results, once the search finished."""
    context = browser.new_context(viewport=sitecheck.VIEWPORT)
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        page.goto(base_url + "search.html?q=" + urllib.parse.quote(query), wait_until="load")
        page.wait_for_function(
            "() => { const h = document.querySelector('#search-results h2');"
            " return h && h.textContent.trim() === 'Search Results'; }",
            timeout=sitecheck.TIMEOUT_MS)
        return page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    finally:
        context.close()


@pytest.mark.parametrize("word", ["perceptron", "autoencoder"])
def test_search_finds_a_word_of_the_book(browser, base_url, site, word):
    hrefs = search(browser, base_url, word)
    assert hrefs, f"the search page found nothing for {word!r}"
    problems = sitecheck.broken_links([{"abs": h, "raw": h, "text": word} for h in hrefs], site, base_url)
    assert not problems, f"search results that do not resolve:{lines(problems)}"


def test_search_finds_nothing_for_a_made_up_word(browser, base_url):
    assert search(browser, base_url, "qzxvjkwplm") == []
