"""Vitrine rows: score, the three factors that raise the risk most in words, channel, offer.

Rows are built in memory; `replace_scores` then swaps a date's rows in one transaction, so
scoring a date again replaces it and a run that dies midway leaves the old rows intact.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import polars as pl

from modeling.churn.explain_words import RISK_BANDS, describe, recommended_offer
from modeling.churn.features import group_of
from modeling.churn.model import ChurnModel
from queries import runner
from warehouse.db import transaction

TOP_FACTORS = 3
VITRINE_COLUMNS = [
    "score_date", "user_id", "cohort", "churn_probability", "risk_band",
    "factor_1", "factor_1_shap", "factor_1_text",
    "factor_2", "factor_2_shap", "factor_2_text",
    "factor_3", "factor_3_shap", "factor_3_text",
    "recommended_channel", "recommended_offer", "run_id", "scored_at",
]  # fmt: skip


def band_expression(column: str) -> pl.Expr:
    """risk_band of a probability column, vectorised (thresholds in explain_words)."""
    expression = pl.lit("low")
    for threshold, band in reversed(RISK_BANDS[:-1]):
        expression = pl.when(pl.col(column) >= threshold).then(pl.lit(band)).otherwise(expression)
    return expression


def vitrine_rows(
    day: date, frame: pl.DataFrame, model: ChurnModel, cohort: str, run_id: str
) -> pl.DataFrame:
    """Vitrine rows for the users in `frame` (keys, features, recommended_channel)."""
    features = frame.select(model.features_)
    proba = model.predict_proba(features)
    shap = model.shap_values(features)
    order = np.argsort(-shap, axis=1, kind="stable")[:, :TOP_FACTORS]
    names = np.asarray(model.features_)
    rows = np.arange(len(proba))
    out: dict[str, list] = {}
    for k in range(TOP_FACTORS):
        index = order[:, k] if order.shape[1] > k else np.zeros(len(proba), dtype=int)
        value = shap[rows, index] if len(proba) else np.zeros(0)
        raises = value > 0  # only factors that push the risk up are shown
        out[f"factor_{k + 1}"] = np.where(raises, names[index], None).tolist()
        out[f"factor_{k + 1}_shap"] = np.where(raises, value, np.nan).tolist()
        out[f"factor_{k + 1}_text"] = _texts(features, names, index, raises)
    scored = pl.DataFrame(
        {
            "score_date": pl.Series([day] * len(proba), dtype=pl.Date),
            "user_id": frame.get_column("user_id").cast(pl.Int64),
            "cohort": pl.Series([cohort] * len(proba), dtype=pl.String),
            "churn_probability": proba.astype(float),
            **{k: pl.Series(v, dtype=pl.String) for k, v in out.items() if not k.endswith("_shap")},
            **{
                k: pl.Series(v, dtype=pl.Float64, nan_to_null=True)
                for k, v in out.items()
                if k.endswith("_shap")
            },
            "recommended_channel": frame.get_column("recommended_channel").cast(pl.String)
            if "recommended_channel" in frame.columns
            else pl.Series([None] * len(proba), dtype=pl.String),
        }
    )
    scored = scored.with_columns(band_expression("churn_probability").alias("risk_band"))
    offers = pl.DataFrame(
        [
            (
                band,
                factor,
                recommended_offer(cohort, band, group_of(factor) if factor else None, factor),
            )
            for band, factor in scored.select("risk_band", "factor_1").unique().iter_rows()
        ],
        schema={"risk_band": pl.String, "factor_1": pl.String, "recommended_offer": pl.String},
        orient="row",
    )
    scored = scored.join(offers, on=["risk_band", "factor_1"], how="left", nulls_equal=True)
    scored = scored.with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(datetime.now()).alias("scored_at")
    )
    return scored.select(VITRINE_COLUMNS)


def _texts(
    features: pl.DataFrame, names: np.ndarray, index: np.ndarray, raises: np.ndarray
) -> list[str | None]:
    """describe() of each row's chosen feature, reading only those values (not every cell)."""
    texts: list[str | None] = [None] * len(index)
    for position in np.unique(index[raises]):
        chosen = np.flatnonzero(raises & (index == position))
        name = str(names[position])
        values = features.get_column(name).gather(chosen).to_list()
        for row, value in zip(chosen.tolist(), values, strict=True):
            texts[row] = describe(name, value)
    return texts


def replace_scores(
    con: duckdb.DuckDBPyConnection, day: date, cohorts: list[str], rows: pl.DataFrame
) -> None:
    """Swap the vitrine rows of `day` for these cohorts in one transaction."""
    con.complete()  # DuckDB 2: finish any pending result before registering a frame
    con.register("churn_new_scores", rows.select(VITRINE_COLUMNS).to_arrow())
    try:
        with transaction(con):
            runner.execute(con, "churn_scores_delete", {"score_date": day, "cohorts": cohorts})
            runner.execute(con, "churn_scores_insert")
    finally:
        con.unregister("churn_new_scores")
