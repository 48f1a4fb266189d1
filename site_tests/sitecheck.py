"""Drive the built book in headless Chromium and collect what a reader would see go wrong.

One function does one thing: serve the site, find the browser, visit a page (collecting images,
math, cell outputs, links, console messages and network requests), resolve links against the
files on disk, and scan cell outputs for tracebacks and warnings. The tests in test_site.py assert
on the records these functions return.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import shutil
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent   # the repository

# Arguments that keep Chromium quiet and working on a closed network, as root, without a GPU.
# (Playwright adds --headless itself.)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "Install Debian's browser with `apt-get install -y chromium` (as root; `make check-site` does it), "
    "or point DL_COURSE_CHROMIUM at a Chromium executable."
)
# Helper pages Sphinx writes next to the book's own pages; they are checked by their own tests.
HELPER_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
# Folders of the built site that hold assets and sources, not pages.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 60_000

# What in a cell's output means that the code did not run cleanly. Only cell outputs are
# scanned, never prose, so a paragraph that talks about a warning cannot match.
OUTPUT_PROBLEMS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "exception or warning class": re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b:"),
    "logging line": re.compile(r"(?m)^\s*(?:WARNING|ERROR|CRITICAL)\b|^\s*(?:Warning|Error):"),
    "absl/TensorFlow C++ log": re.compile(r"(?m)^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+"),
    "warnings.warn call": re.compile(r"warnings\.warn\("),
}
# Output text that matches OUTPUT_PROBLEMS but is expected: (regex, reason). Empty on purpose:
# add an entry only with the reason the warning is part of what the chapter teaches.
EXPECTED_OUTPUT = ()

# TeX left as text means MathJax never saw it (e.g. `$...$` that MyST did not parse as math).
RAW_TEX = re.compile(
    r"\\(?:frac|mathbf|mathrm|mathbb|mathcal|sum|prod|partial|nabla|left|right|begin|end|alpha|beta|"
    r"gamma|sigma|theta|lambda|cdot|times|hat|tilde|sqrt|log|exp|R)\b"
)

# Console errors from the theme that do not affect the page: (substring, reason).
BENIGN_CONSOLE_ERRORS = (
    ("Got invalid theme mode", "pydata-sphinx-theme: no light/dark choice stored yet, it falls back to auto"),
    ("Identifier 'THEBE_JS_URL' has already been declared",
     "sphinx-thebe 0.3.1 under Sphinx 7.4 writes its inline config <script> twice; the first copy defines "
     "the constants, the second one's redeclaration error changes nothing"),
)

# JavaScript run in the page. Each returns plain JSON.
JS_IMAGES = r"""
async (timeoutMs) => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });  // lazy images in collapsed cells load too
  const settle = i => i.complete ? Promise.resolve() : new Promise(r => {
    i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); });
  await Promise.race([Promise.all(imgs.map(settle)), new Promise(r => setTimeout(r, timeoutMs))]);
  return imgs.map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth, height: i.naturalHeight,
                         complete: i.complete, alt: i.getAttribute('alt'),
                         glued: !!i.closest('.pasted-inline, .pasted-block, .cell_output')}));
}
"""
JS_MATHJAX = r"""
async (timeoutMs) => {
  const mj = window.MathJax;
  const mathEls = Array.from(document.querySelectorAll('.math'));
  if (!mj || !mj.startup || !mj.startup.promise)
    return {loaded: false, version: null, elements: mathEls.length, untypeset: mathEls.map(e => e.textContent.slice(0, 120)), errors: [], timedOut: false};
  let timedOut = false;
  await Promise.race([mj.startup.promise,
                      new Promise(r => setTimeout(() => { timedOut = true; r(); }, timeoutMs))]);
  const untypeset = mathEls.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 120));
  const errors = Array.from(document.querySelectorAll('mjx-merror, merror')).map(e =>
    (e.getAttribute('data-mjx-error') || '') + ' | ' + e.textContent.slice(0, 120));
  // MathJax's noundefined package shows an unknown macro as red text instead of an merror:
  // find those (and any merror) in MathJax's internal trees of the typeset math.
  for (const item of Array.from((mj.startup.document && mj.startup.document.math) || [])) {
    if (!item.root || !item.root.walkTree) continue;
    item.root.walkTree(node => {
      const text = node.isKind('mtext') && node.childNodes[0] && node.childNodes[0].getText
        ? node.childNodes[0].getText() : '';
      if (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red' && text.startsWith('\\'))
        errors.push(`undefined control sequence ${text} | ${String(item.math).slice(0, 120)}`);
    });
  }
  return {loaded: true, version: mj.version, elements: mathEls.length, untypeset, errors: [...new Set(errors)], timedOut};
}
"""
JS_RAW_TEX_TEXT = r"""
() => {
  const skip = 'pre, code, script, style, mjx-container, .highlight, .math, .cell_input, textarea';
  const root = document.querySelector('main') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && !n.parentElement.closest(skip) && n.textContent.trim()) out.push(n.textContent);
  }
  return out;
}
"""
JS_OUTPUTS = r"""
() => {
  const blocks = Array.from(document.querySelectorAll('.cell_output .output, .output.stderr, .output.traceback, .output.error'));
  const cells = Array.from(document.querySelectorAll('.cell'));
  return [...new Set(blocks)].map(e => {
    const cell = e.closest('.cell');
    const input = cell && cell.querySelector('.cell_input');
    return {
      classes: e.className,
      text: e.textContent,
      cell: cell ? `cell ${cells.indexOf(cell) + 1} of ${cells.length}` : 'outside a cell',
      input: input ? input.textContent.trim().split('\n')[0].slice(0, 100) : '',
      section: (e.closest('section') && e.closest('section').id) || '',
    };
  });
}
"""
JS_LINKS = r"""
() => Array.from(document.querySelectorAll('a[href]')).map(a => ({raw: a.getAttribute('href'), abs: a.href,
  text: a.textContent.trim().slice(0, 60)}))
"""


@dataclass
class PageVisit:
    """What one page showed in the browser; every list holds plain values for the test messages."""

    rel: str                                     # page path relative to the site root
    url: str
    status: int | None = None                    # HTTP status of the page itself
    console: list[tuple[str, str]] = field(default_factory=list)      # (type, text)
    page_errors: list[str] = field(default_factory=list)              # uncaught exceptions
    external_requests: list[tuple[str, str]] = field(default_factory=list)   # (resource type, url), blocked
    failed_requests: list[tuple[str, str]] = field(default_factory=list)     # (url, failure), local
    bad_responses: list[tuple[str, int]] = field(default_factory=list)       # (url, status >= 400)
    images: list[dict] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    text_nodes: list[str] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    screenshot: Path | None = None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `directory` over HTTP on a free localhost port, in a daemon thread.

    Returns the server (call .shutdown() when done) and its base URL ending in '/'.
    """
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def find_chromium() -> str | None:
    """DL_COURSE_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH; None when none exists."""
    configured = os.environ.get("DL_COURSE_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def site_pages(site: Path) -> list[str]:
    """The book's HTML pages under `site`, relative POSIX paths, sorted; without assets,
    Sphinx's helper pages and the root index.html (a redirect, checked on its own)."""
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site)
        if rel.parts[0] in ASSET_DIRS or rel.as_posix() in HELPER_PAGES or rel.as_posix() == "index.html":
            continue
        pages.append(rel.as_posix())
    return sorted(pages)


def _is_local(url: str, base_url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme in ("data", "blob", "about") or url.startswith(base_url)


def visit(context, base_url: str, rel: str, screenshot: Path | None = None) -> PageVisit:
    """Open `rel` in a fresh page of `context`, wait for images and MathJax, and record everything.

    Requests to any host but the local server are blocked (a test never touches the network)
    and recorded as external requests.
    """
    record = PageVisit(rel=rel, url=base_url + rel)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def route(r):
        if _is_local(r.request.url, base_url):
            r.continue_()
        else:
            record.external_requests.append((r.request.resource_type, r.request.url))
            r.abort("internetdisconnected")

    page.route("**/*", route)
    page.on("console", lambda m: record.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: record.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: _is_local(r.url, base_url)
            and record.failed_requests.append((r.url, r.failure or "")))
    page.on("response", lambda r: r.status >= 400 and record.bad_responses.append((r.url, r.status)))
    try:
        response = page.goto(record.url, wait_until="load")
        record.status = response.status if response else None
        record.images = page.evaluate(JS_IMAGES, TIMEOUT_MS // 2)
        record.math = page.evaluate(JS_MATHJAX, TIMEOUT_MS // 2)
        record.text_nodes = page.evaluate(JS_RAW_TEX_TEXT)
        record.outputs = page.evaluate(JS_OUTPUTS)
        record.links = page.evaluate(JS_LINKS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))  # the first screen: the viewport, not the full page
            record.screenshot = screenshot
    finally:
        page.close()
    return record


def output_problems(outputs: list[dict]) -> list[str]:
    """Describe each cell output that is stderr, a traceback, or whose text matches OUTPUT_PROBLEMS
    (less EXPECTED_OUTPUT); [] when every output is clean."""
    problems = []
    for out in outputs:
        where = f"{out['cell']} (code {out['input']!r}) in section #{out['section'] or '?'}"
        classes = out["classes"].split()
        for kind in ("stderr", "traceback", "error"):
            if kind in classes:
                problems.append(f"{where}: a {kind} output: {out['text'].strip()[:300]!r}")
        text = out["text"]
        for pattern, _reason in EXPECTED_OUTPUT:
            text = re.sub(pattern, "", text)
        for name, pattern in OUTPUT_PROBLEMS.items():
            match = pattern.search(text)
            if match:
                start = max(0, match.start() - 80)
                problems.append(f"{where}: {name}: {text[start:match.end() + 200].strip()!r}")
    return problems


class _IdCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value or "")


@functools.lru_cache(maxsize=None)
def anchors(path: Path) -> frozenset[str]:
    """The ids (and <a name>) in the HTML file at `path`."""
    parser = _IdCollector()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def broken_links(links: list[dict], site: Path, base_url: str) -> list[str]:
    """Describe each link to the local site whose file is missing or whose #anchor is not in it."""
    problems = []
    for link in links:
        url = link["abs"]
        if not url.startswith(base_url):
            continue  # external, mailto:, javascript: ... not checked (offline)
        parsed = urllib.parse.urlsplit(url)
        target = site / urllib.parse.unquote(parsed.path).lstrip("/")
        if parsed.path.endswith("/"):
            target = target / "index.html"
        label = f"{link['raw']!r} ({link['text']!r})"
        if not target.is_file():
            problems.append(f"{label}: no file {target.relative_to(site)}")
            continue
        fragment = urllib.parse.unquote(parsed.fragment)
        if fragment and target.suffix == ".html" and fragment not in anchors(target):
            problems.append(f"{label}: no #{fragment} in {target.relative_to(site)}")
    return problems


def raw_tex(text_nodes: list[str]) -> list[str]:
    """Text outside code and typeset math that still looks like TeX (MathJax never processed it)."""
    return [t.strip()[:200] for t in text_nodes if RAW_TEX.search(t)]


def console_problems(visit_record: PageVisit) -> list[str]:
    """Uncaught exceptions and console errors, less resource failures (reported with their URL by
    the request checks) and BENIGN_CONSOLE_ERRORS."""
    problems = [f"uncaught exception: {e}" for e in visit_record.page_errors
                if not any(benign in e for benign, _reason in BENIGN_CONSOLE_ERRORS)]
    for kind, text in visit_record.console:
        if kind != "error" or text.startswith("Failed to load resource"):
            continue
        if any(benign in text for benign, _reason in BENIGN_CONSOLE_ERRORS):
            continue
        problems.append(f"console error: {text[:300]}")
    return problems


def mathjax_console(visit_record: PageVisit) -> list[str]:
    """Console errors and warnings that come from MathJax or TeX."""
    return [f"{kind}: {text[:300]}" for kind, text in visit_record.console
            if kind in ("error", "warning") and re.search(r"MathJax|TeX|mjx", text)]
