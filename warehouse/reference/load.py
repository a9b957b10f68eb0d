"""Fill the `ref` schema: the shipped regions and cities, and users' own enrichment tables.

The shipped tables come from the CSV files next to this module (sources and caveats
in docs/reference-data.md). An enrichment table is any CSV or Parquet file keyed by
region or city name, e.g. a price level or an advertising budget per region; it lands
in `ref.<table_name>` and is recorded in `ref.user_tables` so that queries can join it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from warehouse.db import transaction
from warehouse.sql import TABLE_NAME, ident, literal, qualified, struct_of_types

HERE = Path(__file__).resolve().parent
REGIONS_CSV = HERE / "regions.csv"
CITIES_CSV = HERE / "cities.csv"

# Column name -> DuckDB type, in the order of the ref tables (migration 0005).
REGION_COLUMNS: dict[str, str] = {
    "region": "VARCHAR",
    "region_en": "VARCHAR",
    "federal_district": "VARCHAR",
    "msk_offset_hours": "TINYINT",
    "capital": "VARCHAR",
    "population": "BIGINT",
    "avg_salary_rub": "INTEGER",
    "salary_rank": "INTEGER",
}
CITY_COLUMNS: dict[str, str] = {"city": "VARCHAR", "region": "VARCHAR", "population": "BIGINT"}

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TINYINT": pa.int8(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
}

JOINS_ON = {"region": ("ref.regions", "region"), "city": ("ref.cities", "city")}
SHIPPED_TABLES = {"regions", "cities", "user_tables"}


@dataclass(frozen=True)
class EnrichmentResult:
    """What load_enrichment created and which join values found no region or city."""

    table: str
    rows: int
    join_column: str
    joins_on: str
    unmatched_values: list[str] = field(default_factory=list)
    unmatched_rows: int = 0
    null_rows: int = 0

    @property
    def fully_matched(self) -> bool:
        return not self.unmatched_values and self.null_rows == 0


def _read_shipped(path: Path, columns: dict[str, str]) -> pa.Table:
    options = pacsv.ConvertOptions(
        column_types={name: _ARROW_TYPES[kind] for name, kind in columns.items()},
        include_columns=list(columns),
    )
    return pacsv.read_csv(path, convert_options=options)


def regions_table() -> pa.Table:
    """The shipped regions (regions.csv) as an Arrow table, without a database."""
    return _read_shipped(REGIONS_CSV, REGION_COLUMNS)


def cities_table() -> pa.Table:
    """The shipped cities (cities.csv) as an Arrow table, without a database."""
    return _read_shipped(CITIES_CSV, CITY_COLUMNS)


def load_reference(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)fill ref.regions and ref.cities from the shipped CSV files, all or nothing.

    Idempotent: the tables are emptied and refilled in one transaction, so reruns
    never duplicate rows and readers see either the old or the new contents.
    Returns the number of rows per table.
    """
    counts: dict[str, int] = {}
    with transaction(con):
        for table, path, columns in (
            ("ref.regions", REGIONS_CSV, REGION_COLUMNS),
            ("ref.cities", CITIES_CSV, CITY_COLUMNS),
        ):
            names = ", ".join(columns)
            con.execute(f"delete from {table}")
            con.execute(
                f"insert into {table} ({names}) select {names} "
                f"from read_csv(?, header = true, delim = ',', quote = '\"', "
                f"columns = {struct_of_types(list(columns.items()))})",
                [str(path)],
            )
            counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return counts


def _reader(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "read_parquet(?)"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "read_csv(?, header = true)"
    raise ValueError(f"{path.name}: enrichment files must be CSV (.csv, .csv.gz) or Parquet")


def load_enrichment(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table_name: str,
    join_column: str,
    joins_on: str,
    load_id: int = 0,
) -> EnrichmentResult:
    """Load a user's CSV or Parquet file into ref.<table_name>, joined on region or city.

    The table is replaced if it exists. `load_id` is the ops.loads row when the file
    came through ingestion, 0 otherwise. Values of `join_column` that match no
    ref.regions.region (or ref.cities.city) are reported, not rejected: the table is
    still loaded, and the caller decides whether the mismatch matters.
    """
    path = Path(path)
    if not TABLE_NAME.match(table_name):
        raise ValueError(
            f"table name {table_name!r} must be lower case letters, digits and _ "
            "and must not start with a digit"
        )
    if table_name in SHIPPED_TABLES:
        raise ValueError(f"ref.{table_name} is a shipped table; choose another name")
    if joins_on not in JOINS_ON:
        raise ValueError(f"joins_on must be 'region' or 'city', not {joins_on!r}")
    if not path.is_file():
        raise FileNotFoundError(f"no enrichment file at {path}")
    source = _reader(path)
    columns = [
        row[0] for row in con.execute(f"describe select * from {source}", [str(path)]).fetchall()
    ]
    if join_column not in columns:
        raise ValueError(
            f"{path.name} has no column {join_column!r}; its columns are: {', '.join(columns)}"
        )

    table = f"ref.{table_name}"
    table_sql = qualified(("ref", table_name))
    key = ident(join_column)
    ref_table, ref_column = JOINS_ON[joins_on]
    with transaction(con):
        con.execute(f"create or replace table {table_sql} as select * from {source}", [str(path)])
        # COMMENT ON does not accept bound parameters, so the texts go in as literals.
        con.execute(
            f"comment on table {table_sql} is "
            + literal(
                f"User enrichment table loaded from {path.name}; "
                f"column {join_column} joins {ref_table}.{ref_column}."
            )
        )
        for column in columns:
            con.execute(
                f"comment on column {qualified(('ref', table_name, column))} is "
                + literal(f"Column {column} of {path.name}, as supplied.")
            )
        con.execute("delete from ref.user_tables where table_name = ?", [table_name])
        con.execute(
            "insert into ref.user_tables (table_name, join_column, joins_on, load_id) "
            "values (?, ?, ?, ?)",
            [table_name, join_column, joins_on, load_id],
        )
        rows, null_rows = con.execute(
            f"select count(*), count(*) filter (where {key} is null) from {table_sql}"
        ).fetchone()
        unmatched = con.execute(
            f"select cast({key} as varchar) as value, count(*) as n from {table_sql} t "
            f"where {key} is not null and not exists "
            f"(select 1 from {ref_table} r where r.{ref_column} = cast(t.{key} as varchar)) "
            "group by 1 order by 1"
        ).fetchall()
    return EnrichmentResult(
        table=table,
        rows=rows,
        join_column=join_column,
        joins_on=joins_on,
        unmatched_values=[value for value, _ in unmatched],
        unmatched_rows=sum(n for _, n in unmatched),
        null_rows=null_rows,
    )
