"""Benchmark 5: the book build, cold and after a prose-only edit.

A cold quick-profile build executes every chapter (about 13 minutes on a 2-core CPU), more than
``make bench`` may take, so by default this benchmark does not run one:

* **Cold time per chapter** comes from the execution records of the last build of the repository
  (``_build/.jupyter_cache``: myst-nb stores each notebook's execution time there, the same
  figure ``{nb-exec-table}`` shows). The cold build time is estimated as the sum of those
  execution times plus the time of a build that executes nothing but reads and writes every
  page (step 1 below).
* **Rebuild after a prose-only edit**, in a temporary copy of the repository with a copy of its
  ``_build`` (the user's files are not touched), importing ``dl_course`` from the copy:
  (1) a first build in the copy (the source folder moved, so Sphinx reads and writes every page;
  outputs come from the execution cache; the copy's cache keys are first brought up to date with
  the package, see :func:`refresh_keys`, and a chapter whose code cells changed since the last
  build is executed here); (2) one sentence is added to the prose of one chapter; (3) the timed
  rebuild, which must execute no notebook (checked in the build log).
* **Peak RSS**: the largest resident set of any process of a build (Sphinx or a notebook kernel),
  from ``os.wait4``'s resource usage of the build and its descendants.

``mode="cold"`` (``make bench BOOK=cold``) instead runs a real cold build in the copy (empty
execution cache), timing it and its peak RSS, then the prose-only rebuild.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["run", "cold_records", "copy_repository", "build", "prose_edit", "refresh_keys", "uncached_pages"]

ROOT = Path(__file__).resolve().parent.parent
EDITED = "book/ch01_perceptron_to_mlp.md"
SENTENCE = "\nThis sentence was added by `make bench` to time a rebuild after a prose-only edit.\n"
SKIP_COPY = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "dl_course.egg-info"}
_EXECUTED = re.compile(r"(\S+?)(?:\.md|\.ipynb)?: Executing notebook")


def cold_records(build_dir: Path) -> list[dict]:
    """Execution records of the jupyter cache in ``build_dir``: page, seconds, when (oldest first)."""
    cache = build_dir / ".jupyter_cache"
    if not (cache / "global.db").is_file():
        return []
    from jupyter_cache import get_cache
    records = []
    for rec in get_cache(str(cache)).list_cache_records():
        seconds = (rec.data or {}).get("execution_seconds")
        if seconds is not None:
            records.append({"page": Path(rec.uri).stem, "seconds": float(seconds), "created": rec.created.isoformat()})
    return sorted(records, key=lambda r: r["created"])


def last_cold_build(repo: Path) -> dict | None:
    """``_build/build-record.json`` of ``repo`` (written by dl_course.build) if that build succeeded
    and executed every chapter in ``_toc.yml`` (a cold build), else None."""
    path = repo / "_build" / "build-record.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    chapters = set(re.findall(r"file:\s*(book/ch\d\d\w*)", (repo / "_toc.yml").read_text()))
    if record.get("returncode") != 0 or not chapters or not chapters <= set(record.get("executed", [])):
        return None
    return record


def copy_repository(dest: Path, with_build: bool = True, source: Path = ROOT) -> Path:
    """Copy the working tree ``source`` (without .git, .venv and caches; with ``_build`` if ``with_build``) into ``dest``."""
    skip = SKIP_COPY | (set() if with_build else {"_build"})
    shutil.copytree(source, dest, ignore=lambda folder, names: [n for n in names if n in skip], symlinks=True)
    return dest


def _env(repo: Path) -> dict:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(repo) + os.pathsep + env.get("PYTHONPATH", ""), DL_COURSE_BUILD_DIR=str(repo / "_build"),
               DL_COURSE_PROFILE="quick", DL_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    return env


def build(repo: Path, log: Path) -> dict:
    """Run ``make book``'s command in ``repo``; seconds, peak RSS (MiB), pages executed, return code."""
    cmd = [sys.executable, "-m", "dl_course.build", "--profile", "quick", "--root", "."]
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=repo, env=_env(repo), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    pages = {Path(m.group(1)).name for m in _EXECUTED.finditer(text)}
    force = {p for p in pages if _is_force_page(repo / "book" / f"{p}.md")}
    executed = sorted(pages - force)      # the build report and this appendix run at every build, by design
    return {"seconds": seconds, "peak_rss_mib": usage.ru_maxrss / 1024, "executed": executed,
            "executed_force_pages": sorted(force),
            "returncode": proc.returncode, "log_tail": text[-1500:] if proc.returncode else ""}


def prose_edit(repo: Path) -> str:
    """Add one sentence after the title of the chapter ``EDITED`` (a Markdown cell; no code changes)."""
    path = repo / EDITED
    lines = path.read_text().splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(title + 1, SENTENCE)
    path.write_text("".join(lines))
    return EDITED


def refresh_keys(repo: Path) -> list[str]:
    """Give the copy's execution-cache keys the copy's current ``dl_course`` sources; the pages whose keys changed.

    A page whose ``dl_course`` dependencies changed since the last build would be executed again by
    ``dl_course.execution_cache``. In the throw-away copy only the build's timing matters, so its
    keys are brought up to date instead: such pages reuse their cached outputs. (Pages whose code
    cells changed still execute, in the first build.)
    """
    keys_file = repo / "_build" / ".jupyter_cache" / "dl_course_keys.json"
    old = json.loads(keys_file.read_text()) if keys_file.is_file() else {}
    code = ("import json, sys; from pathlib import Path; from dl_course import execution_cache as ec; "
            "root = Path(sys.argv[1]); pkg = root / 'dl_course'; "
            "print(json.dumps({str(p.relative_to(root).with_suffix('')): ec.chapter_key(p, pkg) "
            "for p in sorted((root / 'book').glob('*.md')) if ec._is_notebook(p)}))")
    new = json.loads(subprocess.run([sys.executable, "-c", code, str(repo)], env=_env(repo), capture_output=True,
                                    text=True, check=True).stdout)
    keys_file.write_text(json.dumps(new, indent=1, sort_keys=True))
    return sorted(d for d, key in new.items() if old.get(d) != key)


def _is_force_page(path: Path) -> bool:
    return path.is_file() and re.search(r"execution_mode:\s*force", path.read_text()[:2000]) is not None


def uncached_pages(repo: Path) -> list[str]:
    """Notebook pages whose code cells match no record of the copy's jupyter cache: the first build executes them.

    Pages in ``execution_mode: force`` (executed whenever they are read, never cached) are left out.
    """
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook
    cache = get_cache(str(repo / "_build" / ".jupyter_cache"))
    missing = []
    for path in sorted((repo / "book").glob("*.md")):
        text = path.read_text()
        head = text[:2000]
        if not (text.startswith("---") and "kernelspec" in head) or re.search(r"execution_mode:\s*force", head):
            continue
        try:
            cache.match_cache_notebook(read_myst_markdown_notebook(text))
        except KeyError:
            missing.append(path.stem)
    return missing


def run(mode: str = "rebuild", budget_seconds: float = 300.0, keep: bool = False, source: Path = ROOT) -> dict:
    """``mode``: "rebuild" (default, see the module docstring), "cold" (a real cold build first) or "skip".

    ``source``: the repository whose working tree and ``_build`` are copied (default: this one; e.g.
    a clone where the last book build was made).
    """
    source = Path(source).resolve()
    if mode == "skip":
        return {"book": {"mode": "skip", "note": "not measured (BOOK=skip)"}}
    if mode not in ("rebuild", "cold"):
        raise ValueError(f"mode must be 'rebuild', 'cold' or 'skip', got {mode!r}.")
    records = cold_records(source / "_build")
    result = {"mode": mode, "edited_page": EDITED, "source": str(source),
              "what": "seconds of a rebuild after a prose-only edit over the seconds of a cold quick build"}
    tmp = Path(tempfile.mkdtemp(prefix="dl_course_bench_book_"))
    try:
        repo = copy_repository(tmp / "repo", with_build=(mode == "rebuild"), source=source)
        if mode == "rebuild":
            if not records:
                result["note"] = ("no execution records in _build/.jupyter_cache: build the book once "
                                  "(make book), or run make bench BOOK=cold")
                return {"book": result}
            result["pages_with_changed_dependencies"] = refresh_keys(repo)
            uncached = uncached_pages(repo)
            by_page = {r["page"]: r["seconds"] for r in records}
            expected = sum(by_page.get(page, 600.0) for page in uncached)
            result["pages_with_changed_code"] = uncached
            if expected > budget_seconds:
                result["note"] = (f"the code cells of {', '.join(uncached)} changed since the last build (about "
                                  f"{expected:.0f} s of execution, over the {budget_seconds:.0f} s budget): "
                                  "run make book first")
                return {"book": result}
        first = build(repo, tmp / "first.log")
        result["first_build"] = first
        if first["returncode"]:
            result["note"] = "the first build in the copy failed; see first_build.log_tail"
            return {"book": result}
        records = cold_records(repo / "_build")     # re-executed pages now have fresh records
        result["cold_records"] = records
        result["cold_execution_seconds"] = sum(r["seconds"] for r in records)
        if mode == "cold":
            result["cold_seconds"] = first["seconds"]
            result["cold_peak_rss_mib"] = first["peak_rss_mib"]
        else:
            cold = last_cold_build(source)
            if cold is not None:     # the last build of the source was cold: its measured time and memory
                result["cold_seconds"] = cold["seconds"]
                result["cold_peak_rss_mib"] = cold["peak_rss_mib"]
                result["cold_build_record"] = cold
            else:   # execution recorded per page, plus reading and writing every page (the first build)
                result["cold_seconds"] = result["cold_execution_seconds"] + first["seconds"]
        prose_edit(repo)
        rebuild = build(repo, tmp / "rebuild.log")
        result["rebuild"] = rebuild
        result["ratio"] = rebuild["seconds"] / result["cold_seconds"]
        result["rebuild_executed_nothing"] = not rebuild["executed"] and rebuild["returncode"] == 0
        from .common import goal
        result["goal"] = goal(result["ratio"], 0.05, "max")
        result["met"] = bool(result["goal"]["met"] and result["rebuild_executed_nothing"])
        return {"book": result}
    finally:
        if keep:
            result["kept"] = str(tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
