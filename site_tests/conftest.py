"""Fixtures for the browser test of the built book (run with `make check-site`, after `make book`).

Environment:
  DL_COURSE_SITE         the built site (default: _build/html next to this folder)
  DL_COURSE_SCREENSHOTS  where chapter screenshots go (default: the site's parent, screenshots/)
  DL_COURSE_CHROMIUM     the Chromium executable (default: /usr/bin/chromium, else `chromium` on PATH)

A missing site, browser or playwright package fails the tests with what to do; nothing is skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import sitecheck

ROOT = sitecheck.ROOT


def site_dir() -> Path:
    """The built site: DL_COURSE_SITE or _build/html of the repository."""
    return Path(os.environ.get("DL_COURSE_SITE", ROOT / "_build" / "html")).resolve()


def screenshot_dir() -> Path:
    """DL_COURSE_SCREENSHOTS, or screenshots/ beside the site (_build/screenshots)."""
    return Path(os.environ.get("DL_COURSE_SCREENSHOTS", site_dir().parent / "screenshots")).resolve()


def pytest_generate_tests(metafunc):
    """Parametrize `page` with every page of the built site; with no site, one placeholder whose
    tests fail in the `site` fixture (an empty parameter set would only be skipped)."""
    if "page" in metafunc.fixturenames:
        pages = sitecheck.site_pages(site_dir()) if site_dir().is_dir() else []
        metafunc.parametrize("page", pages or ["(no built site)"])


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").is_file():
        pytest.fail(f"no built site at {path}: run `make book` first (or set DL_COURSE_SITE)")
    return path


@pytest.fixture(scope="session")
def base_url(site):
    server, url = sitecheck.serve(site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = sitecheck.find_chromium()
    if executable is None:
        pytest.fail("Chromium not found. " + sitecheck.INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail('the playwright package is missing: pip install -e ".[site]" (`make check-site` does it)')
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=sitecheck.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def visits(site, base_url, browser):
    """page -> PageVisit, each page visited once (in its own browser context) on first use.

    Every page gets a screenshot of its first screen in screenshot_dir(); a JSON summary of the
    visits is written beside them at the end of the session.
    """
    cache: dict[str, sitecheck.PageVisit] = {}
    shots = screenshot_dir()

    def get(rel: str) -> sitecheck.PageVisit:
        if rel not in cache:
            context = browser.new_context(viewport=sitecheck.VIEWPORT, service_workers="block")
            try:
                shot = shots / (Path(rel).with_suffix("").as_posix().replace("/", "__") + ".png")
                cache[rel] = sitecheck.visit(context, base_url, rel, screenshot=shot)
            finally:
                context.close()
        return cache[rel]

    yield get
    if cache:
        shots.mkdir(parents=True, exist_ok=True)
        summary = {rel: {"status": v.status, "images": len(v.images), "math": v.math,
                         "external_requests": v.external_requests, "bad_responses": v.bad_responses,
                         "console": v.console, "page_errors": v.page_errors}
                   for rel, v in sorted(cache.items())}
        (shots / "site_report.json").write_text(json.dumps(summary, indent=1))
