"""A Sphinx extension that keeps myst-nb's execution cache honest.

jupyter-cache reuses a chapter's outputs when the chapter's code cells are unchanged. But a
chapter's outputs also depend on the ``dl_course`` code it imports, the profile, the Keras backend
and the installed versions. This extension computes, for every notebook page, a *key* over all of
those; when a page's key differs from the one stored beside the cache, its cache record is
removed and the page is re-read, so it is executed again. Only the modules a chapter imports
(and what they import, transitively) count, so editing Chapter 3's code does not re-run Chapter 1.

The datasets' identity is part of the code: the loaders verify each file against the SHA-256
values in ``dl_course/data.py``, so data that differs from what the code expects fails loudly
rather than yielding different numbers.

Enable it in ``_config.yml``: ``sphinx: extra_extensions: [dl_course.execution_cache]``.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path

PACKAGE = "dl_course"
DISTRIBUTIONS = ("numpy", "scikit-learn", "matplotlib", "keras", "tensorflow", "jax", "scipy")
KEYS_FILE = "dl_course_keys.json"
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)


def package_dir() -> Path:
    """The folder of the dl_course package that a kernel started now would import."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not importable; install it with `pip install -e .`.")
    return Path(list(spec.submodule_search_locations)[0])


def _imports(source: str, package: str | None = None) -> set[str]:
    """Absolute names of the dl_course modules ``source`` may import; ``package`` resolves relative imports.

    ``from dl_course import data`` yields both ``dl_course`` and ``dl_course.data``; names that are
    not modules are dropped later, when no file is found for them.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != PACKAGE:
                continue
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}   # kept only if it is a module
    return found


def module_closure(roots: set[str], pkg: Path) -> dict[str, Path]:
    """The dl_course modules in ``roots`` and everything they import within the package: name -> file."""
    def file_of(name: str) -> Path | None:
        rel = Path(*name.split(".")[1:])
        for cand in (pkg / rel / "__init__.py", (pkg / rel).with_suffix(".py")):
            if cand.is_file():
                return cand
        return None

    todo, seen = set(roots) | {PACKAGE}, {}
    while todo:
        name = todo.pop()
        path = file_of(name)
        if path is None or name in seen:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo |= _imports(path.read_text(), package) - set(seen)
        parts = name.split(".")
        todo |= {".".join(parts[:i]) for i in range(1, len(parts))} - set(seen)  # parent packages run first
    return seen


def chapter_code(path: Path) -> list[str]:
    """The code cells of a MyST Markdown notebook (or an .ipynb)."""
    text = path.read_text()
    if path.suffix == ".ipynb":
        nb = json.loads(text)
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return _CODE_CELL.findall(text)


def environment_fingerprint() -> dict:
    """What, beside the code, changes a chapter's results: profile, backend, Python and versions."""
    from . import profiles   # light: no framework import
    versions = {}
    for d in DISTRIBUTIONS:
        try:
            versions[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            pass
    return {"profile": profiles.current(), "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
            "python": platform.python_version(), "versions": versions}


def chapter_key(path: Path, pkg: Path | None = None) -> str:
    """SHA-256 over the chapter's dl_course dependencies' sources and the environment fingerprint."""
    pkg = pkg or package_dir()
    roots = set()
    for cell in chapter_code(path):
        cleaned = "\n".join(l for l in cell.splitlines() if not l.lstrip().startswith(("%", "!", ":")))
        roots |= _imports(cleaned)
    h = hashlib.sha256(json.dumps(environment_fingerprint(), sort_keys=True).encode())
    for name, file in sorted(module_closure(roots, pkg).items()):
        h.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


_FORCE = re.compile(r"^mystnb:\s*\n\s+execution_mode:\s*[\"']?force", re.M)


def _is_notebook(path: Path) -> bool:
    if path.suffix == ".ipynb":
        return True
    if path.suffix != ".md":
        return False
    head = path.read_text()[:2000]
    return head.startswith("---") and "kernelspec" in head


def _stale_docs(app, env, added, changed, removed):
    cache_path = Path(app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    keys_file = cache_path / KEYS_FILE
    old = json.loads(keys_file.read_text()) if keys_file.is_file() else {}
    new, stale = {}, []
    pkg = package_dir()
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if not _is_notebook(path):
            continue
        new[docname] = chapter_key(path, pkg)
        if old.get(docname) != new[docname]:
            stale.append(docname)
            _forget(cache_path, path, Path(app.srcdir))
    if stale:
        cache_path.mkdir(parents=True, exist_ok=True)
        from sphinx.util import logging
        logging.getLogger(__name__).info(f"[dl_course] re-executing (code, profile or versions changed): {', '.join(stale)}")
    tmp = keys_file.with_suffix(".tmp")
    if cache_path.is_dir():
        tmp.write_text(json.dumps(new, indent=1, sort_keys=True))
        os.replace(tmp, keys_file)
    # Pages executed by every build (``mystnb: execution_mode: force``, e.g. the build report) describe
    # the build: read them again even when their source did not change.
    always = [d for d in sorted(env.found_docs) if _is_notebook(Path(env.doc2path(d)))
              and _FORCE.search(Path(env.doc2path(d)).read_text()[:2000])]
    return [d for d in dict.fromkeys(stale + always) if d not in added and d not in changed]


def _forget(cache_path: Path, path: Path, srcdir: Path | None = None) -> None:
    """Remove the cached execution of the notebook at ``path`` (if the cache exists).

    A record matches by its path relative to the book's folder too, so that a copy of the book
    with its ``_build`` (moved, or copied as ``make bench`` does) does not reuse a stale run.
    """
    if not (cache_path / "global.db").is_file():
        return
    from jupyter_cache import get_cache
    cache = get_cache(str(cache_path))
    rel = path.resolve().relative_to(srcdir.resolve()).as_posix() if srcdir is not None else None
    for rec in cache.list_cache_records():
        if not rec.uri:
            continue
        uri = Path(rec.uri).resolve()
        if uri == path.resolve() or (rel is not None and uri.as_posix().endswith("/" + rel)):
            cache.remove_cache(rec.pk)


def setup(app):
    app.connect("env-get-outdated", _stale_docs)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
