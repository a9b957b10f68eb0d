"""Load the demo generator's oracle files into ops.oracle_segment and ops.oracle_churn.

The oracle is the true probability of each label, known only because the data are
synthetic. Models never read it; evaluation compares a model with it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import transaction

SEGMENT_COLUMNS = ["event_id"] + [f"p_segment_{k}" for k in range(1, 6)]
CHURN_COLUMNS = ["user_id", "period_start", "period_end", "p_churn"]


def _check_columns(con: duckdb.DuckDBPyConnection, path: Path, needed: list[str]) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"no oracle file at {path}")
    found = {
        row[0]
        for row in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    }
    missing = [c for c in needed if c not in found]
    if missing:
        raise ValueError(f"{path.name} lacks oracle column(s) {', '.join(missing)}")


def load_oracles(
    con: duckdb.DuckDBPyConnection,
    segment_oracle_path: Path | None,
    churn_oracle_path: Path | None,
) -> dict[str, int]:
    """Replace ops.oracle_segment and/or ops.oracle_churn from oracle Parquet files.

    Both replacements happen in one transaction: readers see the old oracles or the
    new ones, never a mix. A table whose path is None is left as it is. Returns the
    number of rows loaded per table.
    """
    jobs = []
    if segment_oracle_path is not None:
        jobs.append(("ops.oracle_segment", Path(segment_oracle_path), SEGMENT_COLUMNS))
    if churn_oracle_path is not None:
        jobs.append(("ops.oracle_churn", Path(churn_oracle_path), CHURN_COLUMNS))
    for _, path, columns in jobs:
        _check_columns(con, path, columns)
    counts: dict[str, int] = {}
    with transaction(con):
        for table, path, columns in jobs:
            names = ", ".join(columns)
            con.execute(f"delete from {table}")
            con.execute(
                f"insert into {table} ({names}) select {names} from read_parquet(?)", [str(path)]
            )
            counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return counts
