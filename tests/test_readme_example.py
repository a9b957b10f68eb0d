"""README's two-line example runs as written: a registered model predicts on raw rows."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.db import connect, fetch_frame

README = Path(__file__).resolve().parents[1] / "README.md"
EXPORT_COLUMNS = "gamecategory, subgamecategory, bundle, created, shift, oblast, city, os, osv"


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if "load_model" in block)


def test_readme_example_predicts_on_raw_rows(trained_segment, tmp_path, monkeypatch):
    path, run_id = trained_segment
    warehouse = tmp_path / "portrait.duckdb"
    warehouse.write_bytes(path.read_bytes())
    con = connect(warehouse)
    events = fetch_frame(
        con,
        f"select event_id, {EXPORT_COLUMNS} from raw.ad_events "
        "where segment is null order by event_id limit 25",
    )
    stored = fetch_frame(
        con,
        "select * from marts.segment_predictions where run_id = $r",
        {"r": run_id},
    )
    con.close()
    # The export as a user has it: a CSV file in the contract's column names.
    events.drop("event_id").write_csv(tmp_path / "new_ad_events.csv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTRAIT_DB", str(warehouse))

    *statements, last = _example().strip().splitlines()
    namespace: dict = {}
    exec("\n".join(statements), namespace)  # noqa: S102 - the project's own README
    proba = eval(last.split("#")[0], namespace)  # noqa: S307 - the project's own README

    assert proba.shape == (events.height, 5)
    expected = events.select("event_id").join(stored, on="event_id", maintain_order="left")
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    np.testing.assert_allclose(proba, expected.select(columns).to_numpy(), atol=1e-6)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert pl.Series(proba.argmax(axis=1) + 1).to_list() == expected["predicted_segment"].to_list()
