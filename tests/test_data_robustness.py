"""Broken data never gets through: random and mutated bytes, foreign files, interrupted downloads,
unwritable caches and crafted archives. Complements tests/test_data.py (tiny fixtures from there).

Tests run as root, for whom file permissions do not apply, so an unwritable cache is simulated by
a cache path *under a regular file* (mkdir fails with NotADirectoryError, as it would for a
read-only folder) and an unremovable file by making ``Path.unlink`` raise PermissionError.
"""

import functools
import gzip
import hashlib
import io
import re
import tarfile
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from dl_course import data
from dl_course.data import DataError, IdxDataset, IdxFile
from test_data import idx_bytes, make_acl, tar_of, tiny_dataset, write_idx

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

VALID_IDX = idx_bytes(np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4))


# ---------------------------------------------------------------------------- fuzzing the readers

def parses_or_data_error(fn, *args):
    """Call fn; return its result, or None if it raised DataError. Any other exception propagates."""
    try:
        return fn(*args)
    except DataError:
        return None


@FUZZ
@given(st.binary(max_size=200) | st.binary(max_size=12).map(lambda b: b"\0\0" + b))
@example(b"\0\0\x08\x03" + np.array([2**31, 2**31, 4], ">u4").tobytes())   # 2^64 elements: int64 wraps to 0
def test_parse_idx_on_random_bytes(payload):
    out = parses_or_data_error(data.parse_idx, payload)
    if out is not None:                       # then the header described the payload exactly
        assert isinstance(out, np.ndarray) and out.dtype.byteorder in "=|"
        assert 4 + 4 * out.ndim + out.nbytes == len(payload)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID_IDX) - 1), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, len(VALID_IDX)))
def test_parse_idx_on_mutated_files(flips, cut):
    payload = bytearray(VALID_IDX)
    for pos, value in flips:
        payload[pos] = value
    out = parses_or_data_error(data.parse_idx, bytes(payload[:cut]))
    if out is not None:
        assert 4 + 4 * out.ndim + out.nbytes == cut


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"     # magic, deflate, no flags


def flipped(blob: bytes, flips) -> bytes:
    b = bytearray(blob)
    for pos, value in flips:
        b[pos % len(b)] = value
    return bytes(b)


@FUZZ
@given(st.binary(max_size=300).map(lambda b: b"\x1f\x8b" + b)          # gzip magic, then junk
       | st.binary(max_size=300).map(lambda b: GZIP_HEADER + b)         # a valid header, junk deflate data
       | st.lists(st.tuples(st.integers(10, 10**6), st.integers(0, 255)), min_size=1, max_size=3).map(
           lambda f: flipped(gzip.compress(VALID_IDX), f))             # bytes flipped in a real gzip file
       | st.binary(max_size=300).map(gzip.compress)                     # valid gzip, junk inside
       | st.integers(1, 60).map(lambda n: gzip.compress(VALID_IDX)[:-n]))  # truncated gzip
def test_read_idx_on_random_files(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("fuzz") / "x-idx3-ubyte.gz"
    path.write_bytes(blob)
    parses_or_data_error(data.read_idx, path)
    expected = IdxFile("x-idx3-ubyte", len(VALID_IDX), hashlib.sha256(VALID_IDX).hexdigest())
    out = parses_or_data_error(data.read_idx, path, expected)
    if out is not None:                       # only the published bytes pass verification
        assert out.tobytes() == VALID_IDX[16:]


@pytest.fixture(scope="module")
def tiny_archive(tmp_path_factory) -> bytes:
    root = tmp_path_factory.mktemp("acl")
    return tar_of(make_acl(root, per_folder=2), root / data.IMDB_ARCHIVE).read_bytes()


@FUZZ
@given(blob=st.binary(max_size=400) | st.binary(max_size=400).map(gzip.compress))
def test_imdb_archive_reader_on_random_bytes(tmp_path_factory, monkeypatch, blob):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    path = tmp_path_factory.mktemp("fuzz") / data.IMDB_ARCHIVE
    path.write_bytes(blob)
    with pytest.raises(DataError, match=re.escape(str(path))):
        data.load_imdb(path)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
       cut=st.none() | st.integers(1, 10**6), inner=st.booleans())
def test_imdb_archive_reader_on_mutated_archives(tmp_path_factory, monkeypatch, tiny_archive,
                                                 flips, cut, inner):
    """Mutations of the compressed stream or of the tar inside it: parsed identically, or refused."""
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    blob = bytearray(gzip.decompress(tiny_archive) if inner else tiny_archive)
    for pos, value in flips:
        blob[pos % len(blob)] = value
    if cut is not None:
        blob = blob[: cut % len(blob) or 1]
    blob = bytes(blob)
    path = tmp_path_factory.mktemp("fuzz") / data.IMDB_ARCHIVE
    path.write_bytes(gzip.compress(blob) if inner else blob)
    out = parses_or_data_error(data.load_imdb, path)
    if out is not None and not inner:       # gzip's CRC-32: only an unchanged payload gets through
        assert plain(out) == plain(original_imdb(tiny_archive))
    elif out is not None:                   # tar has no content checksum: the layout is what is checked
        (xtr, ytr), (xte, yte) = out
        assert len(xtr) == len(xte) == 4 and ytr.tolist() == yte.tolist() == [0, 0, 1, 1]


def plain(splits):
    return [(list(texts), labels.tolist()) for texts, labels in splits]


@functools.lru_cache(maxsize=1)
def original_imdb(blob: bytes):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / data.IMDB_ARCHIVE
        path.write_bytes(blob)
        (xtr, ytr), (xte, yte) = data.load_imdb(path)
    return (xtr, ytr), (xte, yte)


def test_imdb_archive_with_a_wrong_crc_is_refused(tmp_path, monkeypatch, tiny_archive):
    """The gzip trailer's CRC-32 is checked, though it comes after the last member the reader needs."""
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    blob = bytearray(tiny_archive)
    blob[-8] ^= 0xFF                                       # CRC-32 field of the gzip trailer
    path = tmp_path / data.IMDB_ARCHIVE
    path.write_bytes(bytes(blob))
    with pytest.raises(DataError, match=r"cannot read the archive \(BadGzipFile: CRC check failed"):
        data.load_imdb(path)


# ---------------------------------------------------------------------------- foreign files

def test_foreign_file_in_data_folder_offline_says_what_to_put_where(tmp_path, monkeypatch):
    tiny_dataset(tmp_path / "mnist")                       # MNIST's file names, other content
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    with pytest.raises(DataError) as err:
        data.load_mnist()
    msg = str(err.value)
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in msg
    assert f"put the published train-images-idx3-ubyte.gz (decompressed: 47040016 bytes, SHA-256 {data.MNIST.files['train_images'].sha256}) there" in msg
    assert "DL_COURSE_OFFLINE set, nothing can be downloaded" in msg
    assert (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()     # never deleted


def test_foreign_file_in_data_folder_online_says_remove_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    tiny_dataset(tmp_path / "mnist")
    (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08junk")
    with pytest.raises(DataError, match=r"the gzip stream is damaged .* or remove it and the loader will "
                                        r"download a verified copy into " + re.escape(str(data.cache_dir()))):
        data.load_mnist(path=tmp_path)


def test_foreign_imdb_archive_in_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    (tmp_path / data.IMDB_ARCHIVE).write_bytes(gzip.compress(b"not a tar file at all" * 50))
    with pytest.raises(DataError, match=r"aclImdb_v1.tar.gz: cannot read the archive .* found through the "
                                        r"DL_COURSE_DATA .* DL_COURSE_OFFLINE set"):
        data.load_imdb()
    assert (tmp_path / data.IMDB_ARCHIVE).exists()


def mirror_of(ds: IdxDataset, folder: Path) -> IdxDataset:
    """The same dataset with a file:// mirror (the web's stand-in: nothing leaves the machine)."""
    return IdxDataset(ds.name, ds.files, mirrors=(folder.as_uri() + "/",))


def test_corrupt_cache_file_is_replaced_by_a_fresh_download(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    ds = mirror_of(tiny_dataset(tmp_path / "mirror"), tmp_path / "mirror")
    cached = data.cache_dir() / "tiny" / "train-images-idx3-ubyte.gz"
    cached.parent.mkdir(parents=True)
    good = (tmp_path / "mirror" / cached.name).read_bytes()
    cached.write_bytes(good[: len(good) // 2])             # truncated by an earlier crash
    (x, _), _ = data._load_idx_dataset(ds)
    assert x.shape == (6, 28, 28) and cached.read_bytes() == good


def test_corrupt_cached_imdb_archive_is_replaced(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    src = tar_of(make_acl(tmp_path / "src"), tmp_path / "src" / data.IMDB_ARCHIVE)
    monkeypatch.setattr(data, "IMDB_URL", src.as_uri())
    cached = data.cache_dir() / data.IMDB_ARCHIVE
    cached.write_bytes(src.read_bytes()[:100])
    (xtr, _), _ = data.load_imdb()
    assert len(xtr) == 4 and cached.read_bytes() == src.read_bytes()


def test_unremovable_bad_cache_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    bad = data.cache_dir() / "mnist" / "train-images-idx3-ubyte.gz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"junk")

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(DataError, match=r"decompressed size is 4 bytes.* cannot be removed \(Permission denied\): delete "
                                        + re.escape(str(bad)) + " by hand"):
        data.load_mnist()


# ---------------------------------------------------------------------------- downloads and the cache

def test_unwritable_cache_folder_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DL_COURSE_CACHE", str(tmp_path / "a-file" / "cache"))
    import keras
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("must not download"))
    with pytest.raises(DataError, match=r"a-file/cache/mnist: cannot write to the cache folder \(Not a directory\)\. "
                                        r"Make it writable, set DL_COURSE_CACHE to a writable folder"):
        data.load_mnist()


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    """get_file dies half-way (Ctrl-C): the half-written file and its temporary folder are gone."""
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    import keras

    def half_then_interrupt(fname, origin, cache_dir, cache_subdir):
        (Path(cache_dir) / fname).write_bytes(gzip.compress(VALID_IDX)[:20])
        raise KeyboardInterrupt
    monkeypatch.setattr(keras.utils, "get_file", half_then_interrupt)
    dest = tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz"
    with pytest.raises(KeyboardInterrupt):
        data._download(["file:///nowhere"], dest, lambda p: data.read_idx(p))
    assert list(dest.parent.iterdir()) == []


def test_leftover_partial_download_is_never_trusted(tmp_path, monkeypatch):
    """A process killed mid-download leaves .partial-*/; even a complete, valid file there is not used."""
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    partial = data.cache_dir() / "tiny" / ".partial-abc"
    ds = tiny_dataset(partial)                              # complete and valid, but never renamed
    with pytest.raises(DataError, match="not found locally and DL_COURSE_OFFLINE is set"):
        data._load_idx_dataset(ds)


# ---------------------------------------------------------------------------- crafted archives

def crafted_tar(path: Path, *members) -> Path:
    """A .tar.gz whose members are (TarInfo, bytes-or-None) pairs, written verbatim."""
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("aclImdb/README")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
        for info, payload in members:
            if payload is not None:
                info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def member(name, kind=tarfile.REGTYPE, linkname="", payload=b"evil"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, (payload if kind == tarfile.REGTYPE else None)


ESCAPED = f"/tmp/dl_course_escaped_{uuid.uuid4().hex}.txt"    # where the absolute member points
EVIL = {
    "dot-dot": member("aclImdb/../../escaped.txt"),
    "absolute": member(ESCAPED),
    "symlink-out": member("aclImdb/link", tarfile.SYMTYPE, "../../etc/passwd"),
    "symlink-absolute": member("aclImdb/link", tarfile.SYMTYPE, "/etc/passwd"),
    "hardlink-out": member("aclImdb/hard", tarfile.LNKTYPE, "../outside.txt"),
    "device": member("aclImdb/dev", tarfile.CHRTYPE),
}


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_extract_archive_refuses_unsafe_members(tmp_path, kind):
    archive = crafted_tar(tmp_path / "evil.tar.gz", EVIL[kind])
    dest = tmp_path / "out" / "inner"
    with pytest.raises(DataError, match=rf"evil.tar.gz: member '{re.escape(EVIL[kind][0].name)}' is unsafe"):
        data.extract_archive(archive, dest)
    assert not (tmp_path / "out").exists()                  # nothing extracted, not even the good member
    assert not Path(ESCAPED).exists()


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_tarfile_data_filter_is_the_second_guard(tmp_path, monkeypatch, kind):
    """With the explicit check switched off, tarfile's 'data' filter still refuses every crafted
    member (an absolute name it makes relative instead): nothing lands outside the target folder."""
    monkeypatch.setattr(data, "_unsafe_member", lambda m, allow_links=False: None)
    archive = crafted_tar(tmp_path / "evil.tar.gz", EVIL[kind])
    dest = tmp_path / "out" / "inner"
    if kind == "absolute":
        data.extract_archive(archive, dest)
        assert (dest / ESCAPED.lstrip("/")).read_bytes() == b"evil"
    else:
        with pytest.raises(DataError, match=r"refused by tarfile's safety filter"):
            data.extract_archive(archive, dest)
    outside = [p for p in tmp_path.rglob("*") if dest not in p.parents and p != dest]
    assert sorted(p.name for p in outside) == ["evil.tar.gz", "out"]
    assert not Path(ESCAPED).exists()


def test_extract_archive_keeps_safe_members_and_inner_links(tmp_path):
    archive = crafted_tar(tmp_path / "ok.tar.gz", member("aclImdb/a.txt", payload=b"A"),
                          member("aclImdb/b.txt", tarfile.SYMTYPE, "a.txt"))
    out = data.extract_archive(archive, tmp_path / "out")
    assert (out / "aclImdb" / "a.txt").read_text() == "A" and (out / "aclImdb" / "b.txt").read_text() == "A"


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_imdb_reader_refuses_crafted_archives(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    archive = tar_of(make_acl(tmp_path / "a"), tmp_path / data.IMDB_ARCHIVE)
    with tarfile.open(archive, "r:gz") as tar:
        good = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    crafted_tar(archive, *good, EVIL[kind])
    with pytest.raises(DataError, match=rf"member '{re.escape(EVIL[kind][0].name)}' is unsafe"):
        data.load_imdb(archive)


# ---------------------------------------------------------------------------- no code from data files

UNSAFE_LOADING = re.compile(r"allow_pickle\s*=\s*True|safe_mode\s*=\s*False|\bpickle\.loads?\(|"
                            r"\bjoblib\.load\(|enable_unsafe_deserialization")


def test_no_unsafe_loading_anywhere():
    """Arrays are loaded with allow_pickle=False (NumPy's default) and models in Keras's safe mode
    (its default): nothing in the package, the chapters or the tests turns either off."""
    files = [*ROOT.glob("dl_course/*.py"), *ROOT.glob("book/*.md")]
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in UNSAFE_LOADING.finditer(p.read_text())]
    assert offenders == []
    assert UNSAFE_LOADING.search("np.load(f, allow_pickle=True)")     # the pattern does catch it
