"""Rows that do not load: lines DuckDB rejected, rows that failed checks, duplicate keys.

Each goes to ops.quarantine once, with its line, the first failing column, the row
as text and a reason. A "kind" (the reason without the value) is counted per load
for the summary; it is not stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb

from warehouse.ingest.checks import raw_text_sql
from warehouse.sql import ident, literal

REJECTS = "__ingest_rejects"
REJECT_SCANS = "__ingest_reject_scans"


@dataclass
class Quarantine:
    """Where this load's rejected rows go, and how many of each kind there were."""

    con: duckdb.DuckDBPyConnection
    load_id: int
    target: str  # e.g. raw.ad_events, as recorded
    source_path: str
    kinds: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.kinds.values())

    def insert(self, select_sql: str, params: list | None = None) -> int:
        """Quarantine the rows of `select_sql` (line_number, column_name, raw_text, reason, kind)."""
        counted = self.con.execute(
            f"select kind, count(*) from ({select_sql}) group by kind", params or []
        ).fetchall()
        if not counted:
            return 0
        self.con.execute(
            f"""
            insert into ops.quarantine
                (load_id, target_table, source_path, line_number, column_name, raw_text,
                 reason, reason_kind)
            select ?, ?, ?, line_number, column_name, raw_text, reason, kind
            from ({select_sql})
            """,
            [self.load_id, self.target, self.source_path, *(params or [])],
        )
        self.kinds.update({kind: n for kind, n in counted})
        return sum(n for _, n in counted)


def reject_rows(con: duckdb.DuckDBPyConnection, expected_columns: int) -> str:
    """Temp table __ingest_rej: one row per rejected line (line, column_name, raw_text, reason, kind)."""
    found = "regexp_extract(error_message, 'Found: ([0-9]+)', 1)"
    value = """regexp_extract(error_message, 'Could not convert string "(.*)" to', 1)"""
    kind_type = """regexp_extract(error_message, 'to ''([^'']+)''', 1)"""
    con.execute(
        f"""
        create or replace temp table __ingest_rej as
        with first_error as (
            select *, row_number() over (
                partition by line order by (error_type = 'CAST'), column_idx
            ) as rank
            from {REJECTS}
        ),
        described as (
            select line,
                case when error_type = 'CAST' then column_name end as column_name,
                trim(csv_line, chr(13) || chr(10)) as raw_text,
                case error_type
                    when 'MISSING COLUMNS' then concat('line has ', {found}, ' columns, expected {expected_columns}')
                    when 'TOO MANY COLUMNS' then concat('line has ', {found}, ' columns, expected {expected_columns}')
                    when 'UNQUOTED VALUE' then case
                        when error_message ilike '%unterminated quote%'
                        then 'line has a quote that is never closed'
                        else 'line has a quote inside an unquoted value' end
                    when 'INVALID ENCODING' then 'line is not valid UTF-8 text'
                    when 'LINE SIZE OVER MAXIMUM' then 'line is longer than the maximum line size'
                    when 'CAST' then concat(column_name, ': ''', left({value}, 100), ''' is not ', {kind_type})
                    else concat('line could not be read: ', error_message)
                end as reason,
                case error_type
                    when 'MISSING COLUMNS' then 'line: wrong number of columns'
                    when 'TOO MANY COLUMNS' then 'line: wrong number of columns'
                    when 'CAST' then concat(column_name, ': not ', {kind_type})
                    else concat('line: ', lower(error_type::varchar))
                end as kind,
                error_type::varchar as error_type
            from first_error where rank = 1
        )
        select * from described
        """
    )
    return "__ingest_rej"


def _repeats_in_file(
    con: duckdb.DuckDBPyConnection, table: str, load_id: int, key: tuple[str, ...], mine: str
) -> bool:
    """Does a key repeat within this load? Exports sorted by key answer in one cheap pass."""
    if len(key) == 1:
        # Rows are in file order; a strictly increasing key cannot repeat. The streaming
        # lag costs next to nothing, unlike the hash aggregate below.
        k = ident(key[0])
        unsorted = con.execute(
            f"select count(*) filter (where {k} <= previous) from "
            f"(select {k}, lag({k}) over () as previous from {table} where load_id = {load_id})"
        ).fetchone()[0]
        if not unsorted:
            return False
    keys = ", ".join(ident(k) for k in key)
    return bool(
        con.execute(
            f"select exists (select {keys} from {mine} group by all having count(*) > 1)"
        ).fetchone()[0]
    )


def _repeats_earlier(
    con: duckdb.DuckDBPyConnection, table: str, load_id: int, key: tuple[str, ...], mine: str
) -> bool:
    """Does an earlier load hold one of this load's keys? Disjoint key ranges answer cheaply."""
    keys = ", ".join(ident(k) for k in key)
    k = ident(key[0])
    low, high = con.execute(
        f"select min({k}), max({k}) from {table} where load_id = {load_id}"
    ).fetchone()
    if low is None:
        return False
    overlapping = con.execute(
        f"select exists (select 1 from {table} where load_id <> {load_id} and {k} between ? and ?)",
        [low, high],
    ).fetchone()[0]
    if not overlapping:
        return False
    return bool(
        con.execute(
            f"select exists (select 1 from {mine} m semi join "
            f"(select {keys} from {table} where load_id <> {load_id}) o using ({keys}))"
        ).fetchone()[0]
    )


def duplicates(
    con: duckdb.DuckDBPyConnection,
    quarantine: Quarantine,
    table: str,
    key: tuple[str, ...],
    columns: list[tuple[str, str]],
    delimiter: str,
) -> int:
    """Move this load's rows whose key repeats (in the file or in earlier loads) to quarantine.

    The first occurrence in the file stays, unless an earlier load already holds the key.
    """
    load_id = quarantine.load_id
    keys = ", ".join(ident(k) for k in key)
    key_names = ", ".join(key)
    shown = " || ', ' || ".join(f"cast({ident(k)} as varchar)" for k in key)
    mine = f"(select rowid as rid, source_line, {keys} from {table} where load_id = {load_id})"
    in_file = _repeats_in_file(con, table, load_id, key, mine)
    earlier = _repeats_earlier(con, table, load_id, key, mine)
    if not in_file and not earlier:
        return 0
    con.execute(
        f"""
        create or replace temp table __ingest_dups as
        with mine as {mine},
        earlier as (
            select {keys}, min(load_id) as other_load from {table}
            where load_id <> {load_id} and ({"true" if earlier else "false"})
            group by all
        ),
        firsts as (
            select {keys}, min(source_line) as first_line from mine group by all having count(*) > 1
        ),
        flagged as (
            select m.rid, m.source_line,
                concat('{key_names}: ', {shown}, ' is already in {quarantine.target.replace("'", "''")} (load ', e.other_load, ')')
                    as reason,
                '{key_names}: already loaded' as kind
            from mine m join earlier e using ({keys})
            union all by name
            select m.rid, m.source_line,
                concat('{key_names}: ', {shown}, ' is a duplicate of line ', f.first_line) as reason,
                '{key_names}: duplicate in the file' as kind
            from mine m join firsts f using ({keys})
            where m.source_line > f.first_line
        )
        select rid, min(source_line) as source_line, min_by(reason, kind) as reason, min(kind) as kind
        from flagged group by rid
        """
    )
    raw = raw_text_sql(columns, delimiter)
    moved = quarantine.insert(
        f"""
        select d.source_line as line_number, {literal(key[0])} as column_name,
            {raw} as raw_text, d.reason, d.kind
        from __ingest_dups d join {table} t on t.rowid = d.rid
        """
    )
    con.execute(f"delete from {table} where rowid in (select rid from __ingest_dups)")
    con.execute("drop table __ingest_dups")
    return moved
