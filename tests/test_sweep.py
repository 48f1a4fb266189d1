import numpy as np
import pytest

from dl_course import sweep

BASE = {"a": 1, "b": "x", "c": 0.5}


def fake_train(config, seed):
    """A deterministic stand-in for training (module-level, so its source is part of the key)."""
    fake_train.calls += 1
    return {"val_accuracy": config["a"] / 10 + (config["b"] == "y") * 0.05 + seed * 1e-3}


fake_train.calls = 0


def test_each_trial_varies_exactly_one_factor():
    trials = sweep.one_factor_trials(BASE, {"a": [1, 2, 3], "b": ["x", "y"]})
    assert [(f, v) for f, v, _ in trials] == [("baseline", None), ("a", 2), ("a", 3), ("b", "y")]
    for factor, value, config in trials[1:]:
        changed = [k for k in BASE if config[k] != BASE[k]]
        assert changed == [factor] and config[factor] == value


def test_unknown_factor_is_refused():
    with pytest.raises(ValueError, match=r"factors \['d'\] are not in the baseline"):
        sweep.one_factor_trials(BASE, {"d": [1]})


def test_one_row_per_trial_and_seed_and_a_rerun_reuses_them(tmp_path):
    fake_train.calls = 0
    values = {"a": [1, 2, 3], "b": ["x", "y"]}
    rows = sweep.sweep(BASE, values, fake_train, data_id="toy", seeds=(0, 1), cache_dir=tmp_path)
    assert len(rows) == 4 * 2 and fake_train.calls == 8 and not any(r["cached"] for r in rows)
    again = sweep.sweep(BASE, values, fake_train, data_id="toy", seeds=(0, 1), cache_dir=tmp_path)
    assert fake_train.calls == 8 and all(r["cached"] for r in again)
    assert [r["val_accuracy"] for r in again] == [r["val_accuracy"] for r in rows]
    # other data: a new key, so it trains again
    sweep.sweep(BASE, {"a": [2]}, fake_train, data_id="toy, other subset", seeds=(0,), cache_dir=tmp_path)
    assert fake_train.calls == 10


def test_factor_effects_ranks_by_range():
    rows = sweep.sweep(BASE, {"a": [1, 2, 3], "b": ["x", "y"]}, fake_train, data_id="toy", cache_dir=None)
    effects = sweep.factor_effects(rows, BASE)
    assert [e["factor"] for e in effects] == ["a", "b"]
    assert effects[0]["range"] == pytest.approx(0.2) and effects[0]["best_value"] == 3
    assert effects[1]["by_value"] == {"x": pytest.approx(0.1), "y": pytest.approx(0.15)}
