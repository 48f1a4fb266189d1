"""Verified loaders for MNIST, Fashion-MNIST and IMDB (aclImdb), read from their upstream files.

Where the files are looked for, in this order (the first place that has them wins):

1. the ``path`` argument of the loader, if given;
2. the folder named by the environment variable ``DL_COURSE_DATA``, laid out as
   ``mnist/``, ``fashion-mnist/`` and ``aclImdb_v1.tar.gz`` (or an extracted ``aclImdb/``);
3. the user cache, ``$DL_COURSE_CACHE`` or ``~/.cache/dl_course`` (``$XDG_CACHE_HOME`` is honoured);
4. system copies: Debian's ``dataset-fashion-mnist`` installs ``/usr/share/datasets/fashion-mnist/``;
5. a download from the canonical source into the user cache (unless ``DL_COURSE_OFFLINE=1``),
   written to a temporary file and renamed into place only once complete and verified.

Every IDX payload is checked against its published size and SHA-256 (of the *decompressed*
bytes, so any gzip wrapper will do) and its magic number; the aclImdb layout is checked file by
file. Any problem raises :class:`DataError`, whose message names the file, what was expected and
how to fix it. Nothing that fails verification is returned, and nothing unverified is left in the cache.

Safety: archives are read member by member without extracting anything; :func:`extract_archive`
(for readers who want the files on disk) refuses members that would land outside the target
folder (``../`` paths, absolute paths, links pointing outside, device files). Arrays saved by
the package are loaded with ``np.load(..., allow_pickle=False)``: a data file can never run code.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._checks import check_array, check_int, check_same_length

__all__ = [
    "DataError",
    "load_mnist",
    "load_fashion_mnist",
    "load_imdb",
    "read_idx",
    "scale_images",
    "train_val_split",
    "extract_archive",
    "FASHION_MNIST_CLASSES",
]


class DataError(RuntimeError):
    """A dataset is missing, truncated, corrupt or in the wrong format.

    The message always names the file or folder concerned, what was expected, and how to fix it.
    """


FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True)
class IdxFile:
    """One IDX file of a dataset: its name, decompressed size in bytes and SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class IdxDataset:
    name: str                 # folder name under DL_COURSE_DATA and the cache
    files: dict               # role -> IdxFile; roles: train_images, train_labels, test_images, test_labels
    mirrors: tuple            # base URLs, tried in order; file name + ".gz" is appended
    system_dirs: tuple = ()


MNIST = IdxDataset(
    name="mnist",
    files={
        "train_images": IdxFile("train-images-idx3-ubyte", 47040016,
                                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train_labels": IdxFile("train-labels-idx1-ubyte", 60008,
                                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "test_images": IdxFile("t10k-images-idx3-ubyte", 7840016,
                               "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "test_labels": IdxFile("t10k-labels-idx1-ubyte", 10008,
                               "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
)

FASHION_MNIST = IdxDataset(
    name="fashion-mnist",
    files={
        "train_images": IdxFile("train-images-idx3-ubyte", 47040016,
                                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        "train_labels": IdxFile("train-labels-idx1-ubyte", 60008,
                                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        "test_images": IdxFile("t10k-images-idx3-ubyte", 7840016,
                               "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        "test_labels": IdxFile("t10k-labels-idx1-ubyte", 10008,
                               "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    },
    mirrors=(
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
)

IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_PER_FOLDER = 12_500
_IMDB_NAME = re.compile(r"^aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_FIX_OFFLINE = (
    "Point DL_COURSE_DATA at a folder laid out like the project's shared/data "
    "(mnist/, fashion-mnist/, aclImdb_v1.tar.gz), or pass path=..., or go online so the "
    "file can be downloaded into the cache."
)


# --------------------------------------------------------------------------------------------
# Where to look
# --------------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """The user cache folder: ``$DL_COURSE_CACHE``, else ``$XDG_CACHE_HOME/dl_course``, else ``~/.cache/dl_course``."""
    if os.environ.get("DL_COURSE_CACHE"):
        return Path(os.environ["DL_COURSE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dl_course"


def _offline() -> bool:
    return os.environ.get("DL_COURSE_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def _search_dirs(subfolder: str, path=None, system_dirs=()) -> list[tuple[str, Path]]:
    """(origin, folder) pairs in lookup order. A root folder or the dataset folder itself both work."""
    roots: list[tuple[str, Path]] = []
    if path is not None:
        roots.append(("path argument", Path(path).expanduser()))
    if os.environ.get("DL_COURSE_DATA"):
        roots.append(("DL_COURSE_DATA", Path(os.environ["DL_COURSE_DATA"]).expanduser()))
    roots.append(("cache", cache_dir()))
    out = []
    for origin, root in roots:
        out.append((origin, root / subfolder) if (root / subfolder).is_dir() else (origin, root))
    out += [("system", Path(d)) for d in system_dirs]
    return out


# --------------------------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------------------------

def _read_maybe_gzip(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:     # BadGzipFile is an OSError
        raise DataError(
            f"{path}: the gzip stream is damaged or truncated ({err}). "
            "Delete the file and fetch it again (or restore it from the dataset's source)."
        ) from None


def parse_idx(payload: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse a decompressed IDX payload into an array (shape from the header, native byte order).

    Raises :class:`DataError` for a bad magic number, a truncated payload or trailing bytes.
    """
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise TypeError(f"payload must be bytes (the decompressed file); got {type(payload).__name__}.")
    payload = bytes(payload)
    if len(payload) < 4 or payload[0] != 0 or payload[1] != 0 or payload[2] not in _IDX_DTYPES:
        raise DataError(
            f"{source}: not an IDX file (magic number {payload[:4].hex() or 'missing'}; expected "
            "00 00 <type> <ndim>, e.g. 00000803 for images, 00000801 for labels). "
            "The file is foreign or corrupt: replace it with the dataset's original file."
        )
    dtype = np.dtype(_IDX_DTYPES[payload[2]])
    ndim = payload[3]
    header = 4 + 4 * ndim
    if len(payload) < header:
        raise DataError(f"{source}: truncated IDX header ({len(payload)} bytes, need {header}). "
                        "Replace the file with the dataset's original file.")
    shape = tuple(int(d) for d in np.frombuffer(payload, ">u4", count=ndim, offset=4))
    expected = header + math.prod(shape) * dtype.itemsize     # Python ints: no overflow
    if len(payload) != expected:
        what = "truncated" if len(payload) < expected else "has trailing bytes"
        raise DataError(
            f"{source}: IDX payload {what}: {len(payload)} bytes, but its header (shape {shape}, "
            f"dtype {dtype.str}) needs {expected}. Replace the file with the dataset's original file."
        )
    data = np.frombuffer(payload, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path, expected: IdxFile | None = None) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into an array.

    If ``expected`` is given, the decompressed size and SHA-256 must match it.
    """
    path = Path(path)
    try:
        payload = _read_maybe_gzip(path)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found. {_FIX_OFFLINE}") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied. Make the file readable, or point DL_COURSE_DATA elsewhere.") from None
    except OSError as err:                           # a folder, a broken link, an I/O error
        raise DataError(f"{path}: cannot be read ({type(err).__name__}: {err.strerror or err}). "
                        "Replace it with the dataset's original file.") from None
    if expected is not None:
        if len(payload) != expected.size:
            raise DataError(
                f"{path}: decompressed size is {len(payload)} bytes, expected {expected.size} for "
                f"{expected.name} (truncated or a different file). Delete it and fetch it again."
            )
        digest = hashlib.sha256(payload).hexdigest()
        if digest != expected.sha256:
            raise DataError(
                f"{path}: SHA-256 of the decompressed data is {digest}, expected {expected.sha256} "
                f"for {expected.name}. The file is corrupt or is not the published one: delete it "
                "and fetch it again."
            )
    return parse_idx(payload, str(path))


def _find_idx(folder: Path, f: IdxFile) -> Path | None:
    for name in (f.name + ".gz", f.name):
        if (folder / name).is_file():
            return folder / name
    return None


def _download(urls, dest: Path, verify):
    """Download the first URL that works to a temporary file beside ``dest``, verify it, then rename.

    ``verify(tmp_path)`` must raise :class:`DataError` if the file is bad; the temporary file
    is then deleted and the next mirror is tried. Returns what ``verify`` returned for the good file.
    """
    if _offline():
        raise DataError(f"{dest.name}: not found locally and DL_COURSE_OFFLINE is set. {_FIX_OFFLINE}")
    from keras.utils import get_file  # imported here: keras pulls in a backend, slow to import

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmpdir = Path(tempfile.mkdtemp(prefix=".partial-", dir=dest.parent))
    except OSError as err:
        raise DataError(
            f"{dest.parent}: cannot write to the cache folder ({err.strerror}). Make it writable, set "
            "DL_COURSE_CACHE to a writable folder, or set DL_COURSE_DATA to a folder that has the data."
        ) from None
    errors = []
    try:
        for url in urls:
            try:
                tmp = Path(get_file(dest.name, origin=url, cache_dir=str(tmpdir), cache_subdir="."))
                result = verify(tmp)
                os.replace(tmp, dest)
                return result
            except DataError as err:
                errors.append(f"{url}: {err}")
            except Exception as err:  # network errors come in many types
                errors.append(f"{url}: {type(err).__name__}: {err}")
            for leftover in tmpdir.iterdir():
                leftover.unlink()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    raise DataError(f"{dest.name}: could not be downloaded ({'; '.join(errors)}). {_FIX_OFFLINE}")


def _remove_bad(path: Path, err: DataError) -> None:
    """Delete a file of our own cache that failed verification (so it is fetched again)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as os_err:
        raise DataError(f"{err} It is in the cache but cannot be removed ({os_err.strerror}): delete "
                        f"{path} by hand, or set DL_COURSE_CACHE to a writable folder.") from None


def _fix_foreign(origin: str, folder: Path, f: IdxFile) -> str:
    """How to fix a bad file found outside our cache (path argument, DL_COURSE_DATA, system copy)."""
    where = {"path argument": "the path=... folder", "DL_COURSE_DATA": "the DL_COURSE_DATA folder",
             "system": "a system folder"}.get(origin, origin)
    fix = (f"The file was found in {where} ({folder}), which the loader never modifies: put the "
           f"published {f.name}.gz (decompressed: {f.size} bytes, SHA-256 {f.sha256}) there")
    if _offline():
        return fix + "; with DL_COURSE_OFFLINE set, nothing can be downloaded instead."
    return fix + f", or remove it and the loader will download a verified copy into {cache_dir()}."


def _load_idx_file(ds: IdxDataset, role: str, path=None) -> np.ndarray:
    f = ds.files[role]
    looked = []
    for origin, folder in _search_dirs(ds.name, path, ds.system_dirs):
        found = _find_idx(folder, f)
        looked.append(str(folder))
        if found is not None and origin == "cache":
            try:
                return read_idx(found, f)
            except DataError as err:          # never keep a bad file in our own cache
                _remove_bad(found, err)
                looked.append(f"{found} (removed: {err})")
                continue
        if found is not None:
            try:
                return read_idx(found, f)
            except DataError as err:          # not ours to delete: say what to put where
                raise DataError(f"{err} {_fix_foreign(origin, folder, f)}") from None
        if origin == "path argument":
            raise DataError(f"{folder}: has no {f.name}.gz or {f.name} (path=... was given). "
                            f"Pass the folder that holds the {ds.name} IDX files.")
    dest = cache_dir() / ds.name / (f.name + ".gz")
    try:
        return _download([m + f.name + ".gz" for m in ds.mirrors], dest, lambda p: read_idx(p, f))
    except DataError as err:
        raise DataError(f"{err} (looked in: {', '.join(looked)})") from None


def _check_path(path) -> None:
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder or file name (str or pathlib.Path) or None; got "
                        f"{type(path).__name__}. The loaders take no arrays: they return them.")


def _load_idx_dataset(ds: IdxDataset, path=None):
    _check_path(path)
    x_train = _load_idx_file(ds, "train_images", path)
    y_train = _load_idx_file(ds, "train_labels", path)
    x_test = _load_idx_file(ds, "test_images", path)
    y_test = _load_idx_file(ds, "test_labels", path)
    return (x_train, y_train), (x_test, y_test)


def load_mnist(path=None):
    """MNIST handwritten digits, verified.

    Returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (60000, 28, 28) and
    (10000, 28, 28) with pixel values 0..255, and uint8 labels 0..9 of shape (60000,) and (10000,).
    ``path`` is a folder with the four IDX files (``.gz`` or not), or a folder holding ``mnist/``.
    """
    return _load_idx_dataset(MNIST, path)


def load_fashion_mnist(path=None):
    """Fashion-MNIST (Zalando), verified; same shapes and dtypes as :func:`load_mnist`.

    Class names are in :data:`FASHION_MNIST_CLASSES`.
    """
    return _load_idx_dataset(FASHION_MNIST, path)


def scale_images(x: np.ndarray, flatten: bool = False) -> np.ndarray:
    """uint8 images (N, 28, 28) with values 0..255 -> float32 in [0, 1], as (N, 784) if ``flatten``."""
    x = check_array("x", x, ndim=(2, 3, 4), hint="Pass the images as the loaders return them, (N, 28, 28).")
    if x.dtype != np.uint8:
        raise TypeError(f"x must be uint8 images as the loaders return them; got dtype {x.dtype}. "
                        "Floats are probably scaled already: do not scale them twice.")
    out = x.astype(np.float32) / np.float32(255)
    return out.reshape(len(x), -1) if flatten else out


def train_val_split(x, y, n_val: int = 5000, seed: int = 0):
    """Hold out ``n_val`` training examples, stratified by label, for validation (scikit-learn).

    Returns ``x_train, x_val, y_train, y_val``; the same seed gives the same split.
    """
    x = check_array("x", x)
    y = check_array("y", y, ndim=1, dtype_kind="iu",
                    hint="The split is stratified by label: pass one integer label per example "
                         "(for one-hot labels, y.argmax(axis=1)).")
    check_same_length("x", x, "y", y)
    check_int("n_val", n_val, minimum=1, maximum=len(x) - 1)
    from sklearn.model_selection import train_test_split
    return train_test_split(x, y, test_size=n_val, stratify=y, random_state=seed)


# --------------------------------------------------------------------------------------------
# IMDB (aclImdb)
# --------------------------------------------------------------------------------------------

def _imdb_records_from_dir(root: Path):
    """Yield (member name relative to aclImdb's parent, text) from an extracted aclImdb folder."""
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            folder = root / split / label
            if not folder.is_dir():
                raise DataError(f"{folder}: folder missing; an aclImdb folder has "
                                "{train,test}/{pos,neg}/. Extract aclImdb_v1.tar.gz again.")
            for p in folder.iterdir():
                if p.suffix == ".txt":
                    yield f"aclImdb/{split}/{label}/{p.name}", p.read_bytes()


def _unsafe_member(member: tarfile.TarInfo, allow_links: bool = False) -> str | None:
    """Why extracting ``member`` would be unsafe, or None for a plain file or folder that stays inside.

    Links that stay inside the target folder pass only with ``allow_links``.
    """
    name = member.name.replace("\\", "/")
    if name.startswith("/") or Path(name).is_absolute():
        return "absolute path"
    if ".." in name.split("/"):
        return "path with '..'"
    if member.issym() or member.islnk():
        target = member.linkname.replace("\\", "/")
        base = Path(name).parent if member.issym() else Path()     # hard links are relative to the root
        joined = os.path.normpath(base / target)
        if target.startswith("/") or joined == ".." or joined.startswith("../"):
            return f"link pointing outside the archive, to {member.linkname!r}"
        if not allow_links:
            return f"link to {member.linkname!r}; the dataset has none"
    elif not (member.isfile() or member.isdir()):
        return "device, FIFO or other special file"
    return None


def extract_archive(archive, dest) -> Path:
    """Extract a .tar(.gz) ``archive`` into the folder ``dest``, refusing anything unsafe.

    Every member is checked first: an absolute path, a ``..`` component, a symbolic or hard link
    pointing outside ``dest``, or a device file raises :class:`DataError` (naming the member) and
    nothing is extracted. The extraction itself then uses tarfile's ``"data"`` filter (PEP 706),
    which enforces the same rules a second time and drops permissions such as set-uid bits.
    Returns ``dest``.
    """
    archive, dest = Path(archive), Path(dest)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for m in members:
                why = _unsafe_member(m, allow_links=True)
                if why is not None:
                    raise DataError(f"{archive}: member {m.name!r} is unsafe to extract ({why}); nothing was "
                                    "extracted. The archive is not the published one: delete it and fetch it again.")
            dest.mkdir(parents=True, exist_ok=True)
            tar.extractall(dest, members=members, filter="data")
    except tarfile.FilterError as err:
        raise DataError(f"{archive}: refused by tarfile's safety filter ({err}). The archive is not the "
                        "published one: delete it and fetch it again.") from None
    except (tarfile.TarError, EOFError, zlib.error) as err:
        raise DataError(f"{archive}: cannot read the archive ({type(err).__name__}: {err}); it is "
                        "truncated or not a tar file. Delete it and fetch it again.") from None
    return dest


def _imdb_records_from_tar(archive: Path):
    """Yield (member name, raw bytes) of the review files, read straight from the archive (nothing is extracted).

    Members with unsafe names or links are refused (:class:`DataError`): the published archive has
    none. The whole gzip stream is read, so its CRC-32 is checked even past the last member.
    """
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                why = _unsafe_member(member)
                if why is not None:
                    raise DataError(f"{archive}: member {member.name!r} is unsafe ({why}); the published "
                                    "aclImdb_v1.tar.gz has no such member. Delete it and fetch the archive again.")
                if member.isfile() and _IMDB_NAME.match(member.name):
                    yield member.name, tar.extractfile(member).read()
            while tar.fileobj.read(1 << 20):   # read to the end, so that gzip checks its CRC-32:
                pass                            # a flipped bit anywhere in the stream is an error
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise DataError(f"{archive}: cannot read the archive ({type(err).__name__}: {err}); it is "
                        "truncated or not a .tar.gz. Delete it and fetch aclImdb_v1.tar.gz again.") from None


def _parse_imdb(records, source: str):
    splits = {s: {"texts": [], "labels": [], "ratings": [], "ids": []} for s in ("train", "test")}
    counts = {(s, l): 0 for s in ("train", "test") for l in ("neg", "pos")}
    for name, raw in records:
        m = _IMDB_NAME.match(name)
        if m is None:
            continue
        split, label, rid, rating = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
        if (label == "pos" and not 7 <= rating <= 10) or (label == "neg" and not 1 <= rating <= 4):
            raise DataError(f"{source}: {name} has rating {rating}, outside the range for '{label}' "
                            "(pos: 7-10, neg: 1-4). The archive is not the published aclImdb v1.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{source}: {name} is not UTF-8 text. The archive is corrupt: fetch it again.") from None
        d = splits[split]
        d["texts"].append(text)
        d["labels"].append(1 if label == "pos" else 0)
        d["ratings"].append(rating)
        d["ids"].append(rid)
        counts[split, label] += 1
    bad = {k: v for k, v in counts.items() if v != IMDB_PER_FOLDER}
    if bad:
        got = ", ".join(f"{s}/{l}: {v}" for (s, l), v in bad.items())
        raise DataError(f"{source}: expected {IMDB_PER_FOLDER} reviews in each of train/pos, train/neg, "
                        f"test/pos, test/neg; found {got}. The data is incomplete: fetch "
                        "aclImdb_v1.tar.gz again.")
    out = []
    for split in ("train", "test"):
        d = splits[split]
        order = np.lexsort((np.array(d["ids"]), np.array(d["labels"])))  # by label, then review id
        out.append((
            [d["texts"][i] for i in order],
            np.asarray(d["labels"], np.int64)[order],
            np.asarray(d["ratings"], np.int64)[order],
        ))
    return out


def _verify_imdb_archive(path: Path):
    return _parse_imdb(_imdb_records_from_tar(path), str(path))


def _fix_foreign_imdb(origin: str, found: Path) -> str:
    fix = (f"It was found through the {origin} ({found}), which the loader never modifies: replace it "
           f"with the published {IMDB_ARCHIVE} (see {IMDB_URL}) or a complete aclImdb/ folder extracted from it")
    if _offline():
        return fix + "; with DL_COURSE_OFFLINE set, nothing can be downloaded instead."
    return fix + f", or remove it and the loader will download a verified copy into {cache_dir()}."


def load_imdb(path=None, with_ratings: bool = False):
    """The Large Movie Review Dataset (Maas et al. 2011): raw review texts and sentiment labels.

    Returns ``(x_train, y_train), (x_test, y_test)``: lists of 25,000 review strings each and int64
    label arrays of shape (25000,) (0 = negative, 1 = positive), ordered by label then review id.
    With ``with_ratings=True`` each split is ``(texts, labels, ratings)``, ratings being the stars
    1-10 from the file names. ``path`` may be an ``aclImdb/`` folder, the ``aclImdb_v1.tar.gz``
    archive, or a folder holding either.
    """
    _check_path(path)
    if not isinstance(with_ratings, bool):
        raise TypeError(f"with_ratings must be True or False; got {with_ratings!r}.")
    looked = []
    candidates = []
    if path is not None:
        p = Path(path).expanduser()
        candidates.append(("path argument", p))
    if os.environ.get("DL_COURSE_DATA"):
        candidates.append(("DL_COURSE_DATA", Path(os.environ["DL_COURSE_DATA"]).expanduser()))
    result = None
    for origin, p in candidates:
        options = [p] if p.name in ("aclImdb", IMDB_ARCHIVE) else [p / "aclImdb", p / IMDB_ARCHIVE]
        for o in options:
            looked.append(str(o))
            try:
                if o.is_dir():
                    result = _parse_imdb(_imdb_records_from_dir(o), str(o))
                elif o.is_file():
                    result = _parse_imdb(_imdb_records_from_tar(o), str(o))
            except DataError as err:          # not ours to delete: say what to put where
                raise DataError(f"{err} {_fix_foreign_imdb(origin, o)}") from None
            if result is not None:
                break
        if result is not None:
            break
        if origin == "path argument":
            raise DataError(f"{p}: no aclImdb/ folder or {IMDB_ARCHIVE} there (path=... was given).")
    if result is None and (cache_dir() / "aclImdb").is_dir():
        result = _parse_imdb(_imdb_records_from_dir(cache_dir() / "aclImdb"), str(cache_dir() / "aclImdb"))
    if result is None:
        dest = cache_dir() / IMDB_ARCHIVE
        if dest.is_file():                    # a bad archive in our own cache: remove, fetch again
            try:
                result = _parse_imdb(_imdb_records_from_tar(dest), str(dest))
            except DataError as err:
                _remove_bad(dest, err)
                looked.append(f"{dest} (removed: {err})")
    if result is None:
        try:
            result = _download([IMDB_URL], dest, _verify_imdb_archive)
        except DataError as err:
            raise DataError(f"{err} (looked in: {', '.join(looked)})") from None
    if with_ratings:
        return tuple(result)
    return tuple((texts, labels) for texts, labels, _ in result)
