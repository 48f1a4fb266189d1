"""Build the book, and make a failed build say what failed and look failed.

    python -m dl_course.build [--profile quick|full] [--force-full] [--root .]

runs ``jupyter-book build <root> --warningiserror --keep-going`` (what ``make book`` does) with
the chosen profile and, around it:

* **Full profile only on a GPU.** ``--profile full`` (or ``DL_COURSE_PROFILE=full``) is refused,
  with exit status 2 and a message, when no NVIDIA GPU is visible
  (:func:`dl_course.profiles.gpu_names`), unless ``--force-full`` is given: on a CPU the full
  profile takes many hours.
* **A failure is named.** When a cell raises, jupyter-book prints the traceback; this script
  then ends with a summary that names the chapter file, the code cell (its number among the
  chapter's code cells and the line where it starts) and the error, and lists every Sphinx
  warning that ``--warningiserror`` turned into a failure. The summary is also written to
  ``_build/build-failed.txt``. The exit status is non-zero.
* **A failed build looks failed.** ``_build/html/index.html`` is deleted before the build starts
  (so even a build killed half-way leaves no entry page), and on failure the whole
  ``_build/html`` is removed, with the numbers file (``_build/numbers/<id>.json``) of each
  chapter that failed. The execution cache ``_build/.jupyter_cache`` is kept: chapters that
  finished are not executed again by the next build (an interrupted build resumes).
* **Every build is recorded.** ``_build/build-record.json`` holds the profile, the exit status,
  the wall time, the pages the build executed (the others came from the execution cache) and the
  peak resident memory of the build's processes (Sphinx and the notebook kernels: the largest
  ``ru_maxrss`` among them); the Performance appendix reads it for the cold build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import time
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import profiles

__all__ = ["CellFailure", "parse_failures", "parse_warnings", "summary", "build", "main"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FAILED = re.compile(r"^(?P<path>\S[^\n]*?): WARNING: Executing notebook failed: (?P<exc>\w+)", re.M)
_CELL = re.compile(r"An error occurred while executing the following cell:\n-+\n(?P<src>.*?)\n-+\n", re.S)
_WARNING = re.compile(r"^(?P<where>\S[^\n]*?): (?P<level>WARNING|ERROR|CRITICAL): (?P<msg>[^\n]*)", re.M)
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
_RECORD = re.compile(r"""Record\(\s*["'](\w+)["']""")
_EXECUTING = re.compile(r"^(?P<path>\S[^\n]*?): Executing notebook", re.M)


@dataclass(frozen=True)
class CellFailure:
    """A chapter whose execution failed: ``cell`` (1-based, among its code cells) and ``line``
    (where that cell starts in the file) are None when the cell could not be identified."""

    path: str
    error: str
    cell: int | None = None
    line: int | None = None
    source: str = ""

    def describe(self, root: Path | None = None) -> str:
        path = Path(self.path)
        if root is not None and path.is_absolute() and path.is_relative_to(root.resolve()):
            path = path.relative_to(root.resolve())
        where = f"{path}, code cell {self.cell} (line {self.line})" if self.cell else f"{path}, cell unknown"
        first = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return f"{where}: {self.error}" + (f"\n      the cell begins: {first}" if first else "")


def _locate_cell(path: Path, source: str) -> tuple[int | None, int | None]:
    """(index among code cells, 1-based; line of its opening fence) of the cell whose code is ``source``."""
    try:
        text = path.read_text()
    except OSError:
        return None, None
    wanted = source.strip()
    if not wanted:
        return None, None
    cells = list(_CODE_CELL.finditer(text))
    for exact in (True, False):            # exact body first, then a body containing it (cell options)
        for i, m in enumerate(cells, start=1):
            body = m.group(1).strip()
            if (body == wanted) if exact else (wanted in body):
                return i, text.count("\n", 0, m.start()) + 1
    return None, None


def _error_line(chunk: str, exc: str) -> str:
    """The last line of the traceback in ``chunk`` (e.g. ``ValueError: boom``), else the exception name."""
    lines = [l.strip() for l in chunk.splitlines() if l.strip() and not l.startswith((" ", "-"))]
    lines = [l for l in lines if not l.startswith(("Traceback", "Cell ", "File ", "[mystnb"))]
    if exc == "CellTimeoutError":
        return next((l for l in lines if "timed out" in l), "the cell timed out")
    if exc == "DeadKernelError":
        return "the kernel died (out of memory?)"
    return lines[-1] if lines else exc


def parse_failures(log: str) -> list[CellFailure]:
    """The notebooks whose execution failed, read from a jupyter-book (myst-nb) build log."""
    log = _ANSI.sub("", log)
    out, seen = [], set()
    starts = list(_FAILED.finditer(log))
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(log)
        chunk = log[m.end():end]
        chunk = chunk.split("[mystnb.exec]", 1)[0]
        cell = _CELL.search(chunk)
        source = cell.group("src") if cell else ""
        path = m.group("path").strip()
        if path in seen:
            continue
        seen.add(path)
        index, line = _locate_cell(Path(path), source)
        out.append(CellFailure(path, _error_line(chunk[cell.end():] if cell else chunk, m.group("exc")),
                               index, line, source))
    return out


def parse_warnings(log: str) -> list[str]:
    """Sphinx warnings and errors of the log (``where: WARNING: message``), notebook failures excluded."""
    log = _ANSI.sub("", log)
    return [f"{m.group('where')}: {m.group('level')}: {m.group('msg')}" for m in _WARNING.finditer(log)
            if not m.group("msg").startswith("Executing notebook failed")]


def summary(log: str, returncode: int, root: Path) -> str:
    """The closing message of a failed build: which chapter and cell, which warnings, what to do."""
    failures, warnings = parse_failures(log), parse_warnings(log)
    lines = ["=" * 78, f"BOOK BUILD FAILED (exit status {returncode}).", ""]
    if failures:
        lines.append("A cell raised an error:")
        lines += [f"  {f.describe(root)}" for f in failures]
    if warnings:
        lines.append("Warnings (--warningiserror makes each one fatal):")
        lines += [f"  {w}" for w in warnings[:20]] + ([f"  ... and {len(warnings) - 20} more"] if len(warnings) > 20 else [])
    if not failures and not warnings:
        lines.append("No notebook error or warning was found in the log: read the output above.")
    lines += ["", "The half-built site (_build/html) was removed. Chapters that finished are kept in the",
              "execution cache (_build/.jupyter_cache): fix the error and build again, and only the",
              "failed chapter and those not yet run are executed.", "=" * 78]
    return "\n".join(lines)


def _jupyter_book() -> str:
    beside = Path(sys.executable).with_name("jupyter-book")
    found = str(beside) if beside.is_file() else shutil.which("jupyter-book")
    if found is None:
        raise SystemExit("jupyter-book is not installed; run `make book` (it installs it) or "
                         "`pip install -e '.[book]'`.")
    return found


def _run(cmd: list[str], env: dict, log_path: Path) -> tuple[int, str]:
    """Run ``cmd``, echoing its output and saving it to ``log_path``; returns (status, output)."""
    chunks = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                                      stderr=subprocess.STDOUT, text=True,
                                                      errors="replace") as proc:
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
                chunks.append(line)
            return proc.wait(), "".join(chunks)
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            return 130, "".join(chunks) + "\nInterrupted (Ctrl-C).\n"


def _remove_failed(root: Path, build_dir: Path, failures: list[CellFailure]) -> None:
    """Remove what a failed build leaves that could pass for a result: the site and the failed chapters' numbers."""
    shutil.rmtree(root / "_build" / "html", ignore_errors=True)
    for f in failures:
        try:
            ids = set(_RECORD.findall(Path(f.path).read_text()))
        except OSError:
            continue
        for chapter_id in ids:
            (build_dir / "numbers" / f"{chapter_id}.json").unlink(missing_ok=True)


def write_record(root: Path, profile: str, status: int, seconds: float, log: str) -> Path:
    """Write ``_build/build-record.json`` (atomically): what this build did, how long, how much memory."""
    executed = sorted({str(Path(m["path"]).resolve().relative_to(root.resolve()).with_suffix(""))
                       for m in _EXECUTING.finditer(_ANSI.sub("", log))
                       if Path(m["path"]).resolve().is_relative_to(root.resolve())})
    record = {"profile": profile, "returncode": status, "seconds": round(seconds, 1), "executed": executed,
              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
              "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    path = root / "_build" / "build-record.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, path)
    return path


def refuse_full_without_gpu(profile: str, force: bool) -> str | None:
    """The refusal message when the full profile is asked for on a machine without an NVIDIA GPU."""
    if profile != "full" or force or profiles.gpu_names():
        return None
    return ("Refusing to build the full profile: no NVIDIA GPU is visible (nvidia-smi finds none). The full "
            "profile trains on the whole datasets and takes many hours on a CPU. Build on a GPU machine, use "
            "the quick profile (`DL_COURSE_PROFILE=quick make book`), or force it: `make publish FORCE=1` or "
            "`python -m dl_course.build --profile full --force-full`.")


def build(root: Path, profile: str, force_full: bool = False) -> int:
    """Build the book in ``root`` with ``profile``; returns the exit status (0: success)."""
    root = Path(root).resolve()
    message = refuse_full_without_gpu(profile, force_full)
    if message:
        print(message, file=sys.stderr)
        return 2
    env = dict(os.environ, DL_COURSE_PROFILE=profile)
    env.setdefault("DL_COURSE_BUILD_DIR", str(root / "_build"))
    build_dir = Path(env["DL_COURSE_BUILD_DIR"])
    failed_note = root / "_build" / "build-failed.txt"
    failed_note.unlink(missing_ok=True)
    (root / "_build" / "html" / "index.html").unlink(missing_ok=True)   # a killed build leaves no entry page
    print(f"[dl_course.build] profile {profile}, GPU: {', '.join(profiles.gpu_names()) or 'none'}", flush=True)
    start = time.perf_counter()
    status, log = _run([_jupyter_book(), "build", str(root), "--warningiserror", "--keep-going"], env,
                       root / "_build" / "build.log")
    write_record(root, profile, status, time.perf_counter() - start, log)
    if status == 0 and (root / "_build" / "html" / "index.html").is_file():
        return 0
    status = status or 1                  # no index.html after a "successful" build is a failure too
    _remove_failed(root, build_dir, parse_failures(log))
    text = summary(log, status, root)
    failed_note.parent.mkdir(parents=True, exist_ok=True)
    failed_note.write_text(text + "\n")
    print(text, file=sys.stderr)
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dl_course.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=profiles.PROFILES, default=None,
                        help="build profile (default: $DL_COURSE_PROFILE, else full with a GPU, else quick)")
    parser.add_argument("--force-full", action="store_true", help="build the full profile even without a GPU")
    parser.add_argument("--root", default=".", help="the book's folder, with _config.yml (default: .)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if not (root / "_config.yml").is_file():
        parser.error(f"{root.resolve()} has no _config.yml; pass --root <the book's folder>.")
    return build(root, args.profile or profiles.current(), args.force_full)


if __name__ == "__main__":
    sys.exit(main())
