"""The bundle as text: TF-IDF over its dot-separated tokens, reduced to a few components.

Bundles are few against events, so the vectoriser runs once per distinct bundle and the
components are joined back to the rows. The components of the training bundles are kept
with the fitted model, so that only bundles new to it are transformed when they appear:
for the 3,000 apps of the 1M-event demo that took the vectoriser about 11 ms a call.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

TOKENS_SOURCE = "bundle_tokens"


class BundleTfidf:
    """TF-IDF of bundle tokens followed by truncated SVD (estimator contract)."""

    def __init__(self, column: str = "bundle_token_text", components: int = 16, seed: int = 0):
        self.column = column
        self.components = components
        self.seed = seed

    def fit(self, frame: pl.DataFrame) -> BundleTfidf:
        texts = frame.get_column(self.column).unique().sort().fill_null("")
        # Tokens are separated by dots (queries/sql/segment_key_events.sql); min_df drops
        # the one-off words that only memorise a single bundle.
        self.vectorizer_ = TfidfVectorizer(
            token_pattern=r"[^.]+", min_df=2, sublinear_tf=True, dtype=np.float32
        )
        matrix = self.vectorizer_.fit_transform(texts.to_list())
        n = max(1, min(self.components, matrix.shape[1] - 1, matrix.shape[0] - 1))
        self.svd_ = TruncatedSVD(n_components=n, random_state=self.seed).fit(matrix)
        self.names_ = [f"tfidf_{i}" for i in range(n)]
        self.known_ = self._components(texts.unique())  # null and "" are one text now
        return self

    def transform(self, frame: pl.DataFrame) -> pl.DataFrame:
        if not hasattr(self, "svd_"):
            raise ValueError("BundleTfidf is not fitted; call fit first")
        texts = frame.get_column(self.column).fill_null("")
        unique = texts.unique()
        # Models saved before known_ existed transform every text.
        known = getattr(self, "known_", None)
        if known is None:
            table = self._components(unique)
        else:
            new = (
                pl.DataFrame({self.column: unique})
                .join(known, on=self.column, how="anti")
                .get_column(self.column)
            )
            table = known if new.is_empty() else pl.concat([known, self._components(new)])
        return (
            pl.DataFrame({self.column: texts})
            .join(table, on=self.column, how="left", maintain_order="left")
            .select(self.names_)
        )

    def _components(self, texts: pl.Series) -> pl.DataFrame:
        """The text column and its components, one row per text of `texts` (distinct)."""
        reduced = self.svd_.transform(self.vectorizer_.transform(texts.to_list()))
        return pl.DataFrame({self.column: texts}).with_columns(
            [
                pl.Series(name, reduced[:, i].astype(np.float32))
                for i, name in enumerate(self.names_)
            ]
        )
