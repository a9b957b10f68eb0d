"""The bundle as text: TF-IDF components, kept for the training bundles."""

from __future__ import annotations

import polars as pl

from modeling.segment.text import BundleTfidf

TRAINING = [
    "nexters.game",
    "nexters.puzzle",
    "yandex.browser",
    "yandex.maps",
    "king.candy.crush",
    "king.candy.soda",
    "",
    None,
]


def test_components_of_training_bundles_are_kept_and_equal_a_fresh_transform():
    frame = pl.DataFrame({"bundle_token_text": TRAINING})
    tfidf = BundleTfidf(components=3).fit(frame)
    assert tfidf.known_.height == tfidf.known_["bundle_token_text"].n_unique()
    # Seen, new and missing texts, in any order and repeated: one row each, in order.
    rows = pl.DataFrame(
        {
            "bundle_token_text": [
                "yandex.maps",
                "new.thing.game",
                None,
                "king.candy.soda",
                "yandex.maps",
            ]
        }
    )
    kept = tfidf.transform(rows)
    del tfidf.known_  # as a model saved before the components were kept
    fresh = tfidf.transform(rows)
    assert kept.height == rows.height
    assert kept.equals(fresh)
