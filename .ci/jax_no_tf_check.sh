#!/usr/bin/env bash
# Issue 8's portability check: Chapters 1, 3, 4, 5 and 6 under KERAS_BACKEND=jax in a virtual
# environment that has no TensorFlow. Prints each chapter's wall time; the numbers each chapter
# quotes are written to $WORK/build/numbers/*.json (compare them with _build/numbers/ of a
# TensorFlow build). Not part of .ci/run: it installs packages from PyPI into its own venv.
#
#   .ci/jax_no_tf_check.sh [WORK] [CHAPTER...]   WORK defaults to /tmp/dl_course_notf,
#                                                 chapters to ch01 ch03 ch04 ch05 ch06
#   DL_COURSE_PROFILE=full .ci/jax_no_tf_check.sh  the publishing profile (meant for a GPU;
#                                                 install jax[cuda12] into the venv first)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mkdir -p "${1:-/tmp/dl_course_notf}" && cd "${1:-/tmp/dl_course_notf}" && pwd)
shift || true
if [ $# -gt 0 ]; then chapters=("$@"); else chapters=(ch01 ch03 ch04 ch05 ch06); fi
venv=$work/venv

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
fi
# The package's runtime and book dependencies except TensorFlow (the package itself without deps).
"$venv/bin/pip" install --quiet jax keras numpy scikit-learn matplotlib scipy jupytext nbclient ipykernel myst-nb
"$venv/bin/pip" install --quiet --no-deps -e "$repo"
if "$venv/bin/python" -c "import tensorflow" 2>/dev/null; then
    echo "TensorFlow is importable in $venv: this would not be a check without TensorFlow." >&2
    exit 1
fi

export KERAS_BACKEND=jax DL_COURSE_OFFLINE=1 DL_COURSE_BUILD_DIR="$work/build"
export DL_COURSE_PROFILE="${DL_COURSE_PROFILE:-quick}" PYTHONHASHSEED=0
export DL_COURSE_DATA="${DL_COURSE_DATA:-$(cd "$repo/.." && pwd)/shared/data}"
test -d "$DL_COURSE_DATA" || { echo "no datasets at $DL_COURSE_DATA; set DL_COURSE_DATA (see README)" >&2; exit 1; }
rm -rf "$work/book" "$work/executed" && cp -r "$repo/book" "$work/book" && mkdir -p "$work/executed"

"$venv/bin/python" - "$work" "${chapters[@]}" <<'EOF'
"""Execute each chapter (MyST Markdown) top to bottom with book/ as working directory."""
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

work, chapters = Path(sys.argv[1]), sys.argv[2:]
GUARD = ("import importlib.util, keras\n"
         "assert importlib.util.find_spec('tensorflow') is None, 'TensorFlow is importable'\n"
         "assert keras.backend.backend() == 'jax', keras.backend.backend()")
failed = []
for name in chapters:
    [path] = sorted((work / "book").glob(f"{name}_*.md"))
    nb = jupytext.read(path)
    nb.cells.insert(0, nbformat.v4.new_code_cell(GUARD))
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        status = "ok"
    except Exception as err:          # report every chapter, then fail
        status, _ = f"FAILED: {type(err).__name__}: {str(err)[-1500:]}", failed.append(name)
    nbformat.write(nb, work / "executed" / f"{path.stem}.ipynb")
    print(f"{name}: {time.perf_counter() - start:.0f} s, {status}", flush=True)
print(f"numbers: {work / 'build' / 'numbers'}; executed notebooks: {work / 'executed'}")
sys.exit(1 if failed else 0)
EOF
