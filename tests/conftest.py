import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    config.addinivalue_line("markers", "keras: builds or trains Keras models; `make test` runs these again "
                                       "under KERAS_BACKEND=jax (pytest -m keras)")
    config.addinivalue_line("markers", "tensorflow_only: teaches TensorFlow itself; skipped under other Keras backends")


def keras_backend() -> str:
    """The backend Keras uses in this process (KERAS_BACKEND must be set before the first keras import)."""
    import keras
    return keras.backend.backend()


def pytest_report_header(config):
    return f"Keras backend: {keras_backend()}"


def pytest_runtest_setup(item):
    if item.get_closest_marker("tensorflow_only") and keras_backend() != "tensorflow":
        pytest.skip(f"teaches TensorFlow itself: runs under KERAS_BACKEND=tensorflow only, this run uses {keras_backend()}")


@pytest.fixture(autouse=True)
def _offline_and_private_cache(monkeypatch, tmp_path_factory):
    """No test may touch the network or the user's real cache."""
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    monkeypatch.setenv("DL_COURSE_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder with the real datasets: $DL_COURSE_DATA, else ../shared/data beside the checkout.

    Missing data is an error in CI (CI=true) and a skip, with the reason, elsewhere.
    """
    folder = Path(os.environ.get("DL_COURSE_DATA") or ROOT.parent / "shared" / "data")
    if not (folder / "mnist").is_dir():
        msg = f"real datasets not found at {folder}; set DL_COURSE_DATA (see README)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return folder.resolve()
