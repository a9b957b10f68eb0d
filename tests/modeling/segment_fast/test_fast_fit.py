"""fit_parts equals the reference: SegmentModel.fit on the joined frame, and follows a
feature added to the feature SQL."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modeling.segment import SegmentModel
from modeling.segment.fast import fit_parts
from modeling.segment.features import CATEGORICAL, NUMERIC
from queries.runner import sql_text
from queries.segment_features import (
    dimensions_of,
    events_params,
    representative_events,
    segment_frequencies,
)
from queries.segment_parts import SegmentParts, segment_parts
from warehouse.db import fetch_frame

# A new feature of the app, written where segment_key_events.sql's rule puts it: after
# the app's key and its other columns.
APP_COLUMN = "        bundle_features.bundle_length,\n"
NEW_APP_FEATURE = "        length(regexp_replace(bundle_features.bundle, '[^aeiou]', '', 'g')) as bundle_vowels,\n"
# A new feature of the event itself, in segment_events.sql.
EVENT_COLUMN = "        day_of_month,\n"
NEW_EVENT_FEATURE = "        minute(created)::tinyint as local_minute,\n"


def _assert_same_model(on_parts: SegmentModel, on_frame: SegmentModel, parts: SegmentParts):
    assert on_parts.feature_names_ == on_frame.feature_names_
    sample = parts.sample(2_000, seed=1).flat()
    np.testing.assert_array_equal(on_parts.predict_proba(sample), on_frame.predict_proba(sample))


@pytest.mark.parametrize(
    "choice",
    [{}, {"strategy": "ovr", "class_weights": "sqrt"}, {"cat_handling": "native"}],
    ids=["multiclass", "ovr", "native-categories"],
)
def test_fitting_on_parts_gives_the_model_of_the_joined_frame(con, choice):
    parts = segment_parts(con, labeled=True)
    # An event-level category (a cluster id) is encoded from the event rows themselves.
    events = parts.events.sort("event_id").with_columns(
        (pl.col("event_id") % 4).cast(pl.String).alias("cluster_id")
    )
    parts = parts.with_events(events)
    y = events.get_column("segment").to_numpy()
    frequencies = segment_frequencies(con, events.get_column("event_date").max())
    options = {"categorical": (*CATEGORICAL, "cluster_id"), "iterations": 15, **choice}
    on_frame = SegmentModel(**options).fit(parts.flat(), y, frequencies)
    on_parts = fit_parts(SegmentModel(**options), parts, y, frequencies)
    _assert_same_model(on_parts, on_frame, parts)


def test_fitting_on_parts_without_frequencies_counts_them_as_the_reference(con):
    parts = segment_parts(con, labeled=True).sample(5_000, seed=2)
    y = parts.events.get_column("segment").to_numpy()
    on_frame = SegmentModel(iterations=5).fit(parts.flat(), y)
    on_parts = fit_parts(SegmentModel(iterations=5), parts, y)
    _assert_same_model(on_parts, on_frame, parts)


def test_a_model_column_no_query_gives_is_refused(con):
    parts = segment_parts(con, labeled=True).sample(2_000, seed=3)
    y = parts.events.get_column("segment").to_numpy()
    frequencies = segment_frequencies(con, parts.events.get_column("event_date").max())
    model = SegmentModel(numeric=(*NUMERIC, "bundle_vowels"), iterations=5)
    with pytest.raises(ValueError, match="lack column.*bundle_vowels"):
        fit_parts(model, parts, y, frequencies)


def _parts_of(con, events_sql: str, key_events_sql: str) -> SegmentParts:
    """The labeled events' parts, read with the given texts of the two feature queries."""
    events = fetch_frame(con, events_sql, events_params(True, None, None, 1_000_000, 0))
    params = {"event_ids": representative_events(events), "key_rows": False}
    dims = dimensions_of(fetch_frame(con, key_events_sql, params))
    return SegmentParts(events.sort("event_id"), dims)


@pytest.mark.parametrize(
    ("query", "anchor", "added", "feature"),
    [
        ("segment_key_events", APP_COLUMN, NEW_APP_FEATURE, "bundle_vowels"),
        ("segment_events", EVENT_COLUMN, NEW_EVENT_FEATURE, "local_minute"),
    ],
    ids=["app-feature", "event-feature"],
)
def test_a_feature_added_to_the_query_reaches_the_fast_path(con, query, anchor, added, feature):
    # Adding a feature is two edits: the query's text and the model's column list. No list
    # of the parts' columns needs a third: the fast path follows the query's own columns.
    texts = {name: sql_text(name) for name in ("segment_events", "segment_key_events")}
    assert anchor in texts[query]
    texts[query] = texts[query].replace(anchor, anchor + added)
    parts = _parts_of(con, texts["segment_events"], texts["segment_key_events"])
    flat = parts.flat()
    assert feature in flat.columns
    y = parts.events.get_column("segment").to_numpy()
    frequencies = segment_frequencies(con, parts.events.get_column("event_date").max())
    options = {"numeric": (*NUMERIC, feature), "iterations": 15}
    on_frame = SegmentModel(**options).fit(flat, y, frequencies)
    on_parts = fit_parts(SegmentModel(**options), parts, y, frequencies)
    assert feature in on_parts.feature_names_
    _assert_same_model(on_parts, on_frame, parts)


def test_a_feature_put_under_the_wrong_key_fails_loudly(con):
    # A column of the event itself written among the app's columns takes many values per
    # app: reading the parts refuses it instead of keeping one value per app.
    text = sql_text("segment_key_events").replace(
        APP_COLUMN, APP_COLUMN + "        minute(events.created) as app_minute,\n"
    )
    with pytest.raises(ValueError, match="app_minute does not depend on app_key alone"):
        _parts_of(con, sql_text("segment_events"), text)
