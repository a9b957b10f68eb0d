"""Model choices: the selection rule, and every strategy / text / weighting fits and predicts."""

from __future__ import annotations

import numpy as np
import pytest

from modeling.segment.compare import TOLERANCE, _pick
from modeling.segment.model import SegmentModel
from queries.segment_features import ensure_segment_features, segment_frame
from warehouse.db import connect


@pytest.mark.parametrize(
    ("results", "tie_break", "chosen"),
    [
        # Within the tolerance the cheaper model wins ...
        ([("mc", 0.7869, 28, 1.0), ("ovr", 0.7870, 117, 1.0)], "fit_seconds", "mc"),
        # ... beyond it, the more accurate one does.
        (
            [("mc", 0.7800, 28, 1.0), ("ovr", 0.7800 + 2 * TOLERANCE, 117, 1.0)],
            "fit_seconds",
            "ovr",
        ),
        # Class weights cost the same: ties go to the better calibrated.
        ([("none", 0.7833, 91, 1.0389), ("balanced", 0.7806, 70, 1.0433)], "log_loss", "none"),
    ],
)
def test_pick_rule(results, tie_break, chosen):
    rows = [
        {"name": n, "roc_auc_macro": auc, "fit_seconds": fit, "log_loss": loss}
        for n, auc, fit, loss in results
    ]
    assert _pick(rows, tie_break)[0]["name"] == chosen


@pytest.fixture(scope="module")
def frame(tmp_path_factory, demo_warehouse):
    path = tmp_path_factory.mktemp("compare") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    con = connect(path)
    ensure_segment_features(con)
    labeled = segment_frame(con, labeled=True).sort("event_id").head(8_000)
    con.close()
    return labeled


@pytest.mark.parametrize(
    "options",
    [
        {"strategy": "ovr", "text": "tfidf", "class_weights": "balanced"},
        {"strategy": "multiclass", "text": "native", "class_weights": "sqrt"},
        {"strategy": "multiclass", "text": "none", "cat_handling": "native"},
    ],
)
def test_every_choice_fits_and_predicts_probabilities(frame, options):
    model = SegmentModel(iterations=15, **options)
    with pytest.raises(ValueError, match="not fitted"):
        model.predict_proba(frame)
    train, test = frame.head(6_000), frame.tail(2_000)
    model.fit(train, train.get_column("segment").to_numpy())
    proba = model.predict_proba(test)
    assert proba.shape == (2_000, 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert (proba > 0).all()
    # Weighting inflates rare classes in the raw scores; the correction undoes it, so the
    # mean predicted share of segment 1 stays near its training share, not near a fifth.
    share = (train.get_column("segment") == 1).mean()
    assert proba[:, 0].mean() < 3 * share + 0.02


def test_unknown_option_is_a_clear_error(frame):
    with pytest.raises(ValueError, match="strategy must be one of"):
        SegmentModel(strategy="forest").fit(frame, frame.get_column("segment").to_numpy())
