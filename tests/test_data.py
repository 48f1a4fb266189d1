import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from dl_course import data
from dl_course.data import DataError, IdxDataset, IdxFile


# ---------------------------------------------------------------------------- tiny IDX files

def idx_bytes(a: np.ndarray) -> bytes:
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}[a.dtype]
    header = bytes([0, 0, code, a.ndim]) + np.array(a.shape, ">u4").tobytes()
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, a: np.ndarray, gz=True) -> IdxFile:
    payload = idx_bytes(a)
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return IdxFile(path.name.removesuffix(".gz"), len(payload), hashlib.sha256(payload).hexdigest())


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.uint8)


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, images, gz):
    f = write_idx(tmp_path / ("x-idx3-ubyte" + (".gz" if gz else "")), images, gz)
    out = data.read_idx(tmp_path / ("x-idx3-ubyte" + (".gz" if gz else "")), f)
    assert out.dtype == np.uint8 and out.shape == (5, 28, 28)
    np.testing.assert_array_equal(out, images)


def test_read_idx_int32_big_endian(tmp_path):
    a = np.array([[1, -2], [300000, 4]], np.int32)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.gz"), a)


def test_wrong_hash(tmp_path, images):
    f = write_idx(tmp_path / "x.gz", images)
    other = images.copy()
    other[0, 0, 0] ^= 1
    write_idx(tmp_path / "x.gz", other)
    with pytest.raises(DataError, match=r"x.gz: SHA-256 .* expected " + f.sha256):
        data.read_idx(tmp_path / "x.gz", f)


def test_truncated_payload(tmp_path, images):
    payload = idx_bytes(images)
    (tmp_path / "x.gz").write_bytes(gzip.compress(payload[:-100]))
    with pytest.raises(DataError, match=r"x.gz: IDX payload truncated"):
        data.read_idx(tmp_path / "x.gz")
    with pytest.raises(DataError, match=r"decompressed size is 3836 bytes, expected 3936"):
        data.read_idx(tmp_path / "x.gz", IdxFile("x", len(payload), "0" * 64))


def test_truncated_gzip_stream(tmp_path, images):
    blob = gzip.compress(idx_bytes(images))
    (tmp_path / "x.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"x.gz: the gzip stream is damaged or truncated"):
        data.read_idx(tmp_path / "x.gz")


def test_wrong_magic(tmp_path, images):
    payload = bytearray(idx_bytes(images))
    payload[2] = 0x42
    (tmp_path / "x").write_bytes(bytes(payload))
    with pytest.raises(DataError, match=r"x: not an IDX file \(magic number 00004203"):
        data.read_idx(tmp_path / "x")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope.gz: file not found. Point DL_COURSE_DATA"):
        data.read_idx(tmp_path / "nope.gz")


def tiny_dataset(folder: Path, n_train=6, n_test=4) -> IdxDataset:
    r = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, name, a in [
        ("train_images", "train-images-idx3-ubyte", r.integers(0, 256, (n_train, 28, 28)).astype(np.uint8)),
        ("train_labels", "train-labels-idx1-ubyte", r.integers(0, 10, n_train).astype(np.uint8)),
        ("test_images", "t10k-images-idx3-ubyte", r.integers(0, 256, (n_test, 28, 28)).astype(np.uint8)),
        ("test_labels", "t10k-labels-idx1-ubyte", r.integers(0, 10, n_test).astype(np.uint8)),
    ]:
        files[role] = write_idx(folder / (name + ".gz"), a)
    return IdxDataset("tiny", files, mirrors=())


def test_dataset_lookup_order(tmp_path, monkeypatch):
    ds = tiny_dataset(tmp_path / "root" / "tiny")
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "root"))
    (x, y), (xt, yt) = data._load_idx_dataset(ds)          # found under DL_COURSE_DATA/tiny
    assert x.shape == (6, 28, 28) and yt.shape == (4,)
    # an explicit path wins over DL_COURSE_DATA, and a path without the files is an error
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: has no train-images-idx3-ubyte.gz .*path=\.\.\. was given"):
        data._load_idx_dataset(ds, path=tmp_path / "empty")


def test_no_data_while_offline_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "nothing-here"))
    with pytest.raises(DataError, match=r"DL_COURSE_OFFLINE is set\. Point DL_COURSE_DATA at a folder"):
        data.load_mnist()


def test_real_file_names_with_wrong_content_are_refused(tmp_path):
    tiny_dataset(tmp_path / "mnist")                       # MNIST's names, foreign content
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz: decompressed size is"):
        data.load_mnist(path=tmp_path)


def test_download_writes_only_verified_files(tmp_path, monkeypatch):
    """A file:// 'mirror' stands in for the web: a good file lands in the cache, a bad one nowhere."""
    monkeypatch.delenv("DL_COURSE_OFFLINE")
    src = tmp_path / "mirror"
    good = tiny_dataset(src / "good")
    bad_src = src / "bad"
    bad_src.mkdir()
    (bad_src / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x03garbage"))
    dest = tmp_path / "cache" / "train-images-idx3-ubyte.gz"
    f = good.files["train_images"]

    with pytest.raises(DataError, match="could not be downloaded"):
        data._download([(bad_src / "train-images-idx3-ubyte.gz").as_uri()], dest, lambda p: data.read_idx(p, f))
    assert not dest.exists() and list(dest.parent.iterdir()) == []

    data._download([(bad_src / "train-images-idx3-ubyte.gz").as_uri(),     # first mirror bad,
                    (src / "good" / "train-images-idx3-ubyte.gz").as_uri()],  # second good
                   dest, lambda p: data.read_idx(p, f))
    assert data.read_idx(dest, f).shape == (6, 28, 28)
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]      # no partial files left


def test_corrupt_file_in_the_cache_is_removed(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DL_COURSE_CACHE", str(cache))
    monkeypatch.delenv("DL_COURSE_DATA", raising=False)
    (cache / "mnist").mkdir(parents=True)
    bad = cache / "mnist" / "train-images-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(b"\0\0\x08\x01" + b"\0\0\0\x02" + b"ab"))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz \(removed: .*decompressed size is 10 bytes"):
        data.load_mnist()
    assert not bad.exists()


def test_scale_images():
    x = np.array([[[0, 255]]], np.uint8)
    out = data.scale_images(x, flatten=True)
    assert out.dtype == np.float32 and out.shape == (1, 2) and out.tolist() == [[0.0, 1.0]]
    with pytest.raises(TypeError, match="must be uint8"):
        data.scale_images(out)


# ---------------------------------------------------------------------------- tiny aclImdb

def make_acl(root: Path, per_folder=2, bad_rating=False):
    for split in ("train", "test"):
        for label, rating in (("neg", 2), ("pos", 8)):
            d = root / "aclImdb" / split / label
            d.mkdir(parents=True, exist_ok=True)
            for i in range(per_folder):
                r = 9 if (bad_rating and label == "neg" and i == 0) else rating
                (d / f"{i}_{r}.txt").write_text(f"{split} {label} review {i}. Great<br />film!")
    return root / "aclImdb"


def tar_of(folder: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
    return dest


def test_imdb_from_folder_and_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    acl = make_acl(tmp_path / "a")
    archive = tar_of(acl, tmp_path / "aclImdb_v1.tar.gz")
    for source in (acl, archive, tmp_path / "a"):
        (xtr, ytr, rtr), (xte, yte, rte) = data.load_imdb(source, with_ratings=True)
        assert len(xtr) == 4 and ytr.tolist() == [0, 0, 1, 1] and rtr.tolist() == [2, 2, 8, 8]
        assert xte[0] == "test neg review 0. Great<br />film!"
    (xtr, ytr), _ = data.load_imdb(archive)
    assert len(xtr) == 4


def test_imdb_missing_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    acl = make_acl(tmp_path)
    for p in (acl / "test" / "pos").iterdir():
        p.unlink()
    (acl / "test" / "pos").rmdir()
    with pytest.raises(DataError, match=r"test/pos: folder missing"):
        data.load_imdb(acl)


def test_imdb_incomplete_and_bad_ratings(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 3)
    with pytest.raises(DataError, match=r"expected 3 reviews .* found train/neg: 2"):
        data.load_imdb(make_acl(tmp_path / "a"))
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    with pytest.raises(DataError, match=r"0_9.txt has rating 9, outside the range for 'neg'"):
        data.load_imdb(make_acl(tmp_path / "b", bad_rating=True))


def test_imdb_truncated_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "IMDB_PER_FOLDER", 2)
    archive = tar_of(make_acl(tmp_path / "a"), tmp_path / "aclImdb_v1.tar.gz")
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"aclImdb_v1.tar.gz: cannot read the archive"):
        data.load_imdb(archive)


# ---------------------------------------------------------------------------- the real files

def test_real_mnist(real_data):
    (x, y), (xt, yt) = data.load_mnist(real_data)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8 and xt.shape == (10000, 28, 28)
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    xs = x / 255.0
    assert xs.mean() == pytest.approx(0.1307, abs=5e-5) and xs.std() == pytest.approx(0.3081, abs=5e-5)


def test_real_fashion_mnist(real_data):
    (x, y), (xt, yt) = data.load_fashion_mnist(real_data)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10
    xs = x / 255.0
    assert xs.mean() == pytest.approx(0.2860, abs=5e-5) and xs.std() == pytest.approx(0.3530, abs=5e-5)
    assert len(data.FASHION_MNIST_CLASSES) == 10


def test_real_imdb(real_data):
    (xtr, ytr, rtr), (xte, yte, rte) = data.load_imdb(real_data, with_ratings=True)
    assert len(xtr) == len(xte) == 25000
    assert np.bincount(ytr).tolist() == [12500, 12500] and np.bincount(yte).tolist() == [12500, 12500]
    assert (rtr[ytr == 1] >= 7).all() and (rtr[ytr == 0] <= 4).all()
    first_pos = xtr[int(np.argmax(ytr == 1))]       # ordered by label, then id: train/pos/0_9.txt
    assert first_pos.startswith("Bromwell High is a cartoon comedy.")
    assert rtr[int(np.argmax(ytr == 1))] == 9
