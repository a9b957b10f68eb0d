"""Loading a CSV file (plain or gzipped, already UTF-8) into a contract or an as-is table.

Pass 1 is a single INSERT ... SELECT over read_csv: DuckDB parses in parallel,
the checks run as one CASE per column, and only good rows are inserted. Lines the
parser cannot read land in a rejects table (store_rejects). If the file's physical
line count shows that every row was either inserted or rejected, that is the only
scan. Otherwise pass 2 reads the file again to find the rows that failed checks,
with their reasons and text (and, for blank lines or multi-line values, a third,
line-by-line scan places them; see warehouse.ingest.lines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.ingest import statement_progress as live
from warehouse.ingest.checks import GENERATED_ID_FACTOR, Mapping, RowSql, row_sql
from warehouse.ingest.dialect import Dialect
from warehouse.ingest.lines import physical_map, set_lines, steps_over, steps_table
from warehouse.ingest.quarantine import REJECT_SCANS, REJECTS, Quarantine, reject_rows
from warehouse.progress import Progress
from warehouse.sql import ident, struct_of_types

FIRST_DATA_LINE = 2  # line 1 is the header
SCRATCH = (
    REJECTS, REJECT_SCANS, "__ingest_rej", "__ingest_chk", "__ingest_failing", "__ingest_steps",
    "__ingest_rsteps", "__ingest_phys", "__ingest_acc", "__ingest_lmap", "__ingest_line_map",
)  # fmt: skip


class EncodingMismatch(Exception):
    """The file looked like UTF-8 at its start but has lines that are not."""


@dataclass(frozen=True)
class CsvInput:
    """A CSV file as DuckDB will read it."""

    data_path: Path  # the file itself, or its UTF-8 copy
    compression: str
    dialect: Dialect
    physical_lines: Callable[[], int]  # blocks until the background count is done
    name: str  # the file's name as the user gave it, for progress messages


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    for name in SCRATCH:
        con.execute(f"drop table if exists {ident(name)}")


def reader_sql(
    source: CsvInput, types: list[tuple[str, str]], *, keep_rejects: bool
) -> tuple[str, list]:
    """read_csv(...) with every option spelled out, so both passes read the same rows."""
    d = source.dialect
    options = [
        "auto_detect = false", "header = true", "delim = ?", "quote = ?", "escape = ?",
        f"columns = {struct_of_types(types)}", "compression = ?", "strict_mode = true",
        "null_padding = false",
    ]  # fmt: skip
    params: list = [str(source.data_path), d.delimiter, d.quote, d.escape, source.compression]
    if keep_rejects:
        options += [
            "store_rejects = true",
            f"rejects_table = '{REJECTS}'",
            f"rejects_scan = '{REJECT_SCANS}'",
        ]
    else:
        options.append("ignore_errors = true")
    for option, value in (("dateformat", d.date_format), ("timestampformat", d.timestamp_format)):
        if value:
            options.append(f"{option} = ?")
            params.append(value)
    return f"read_csv(?, {', '.join(options)})", params


def _check_encoding(con: duckdb.DuckDBPyConnection, trust_utf8: bool) -> None:
    if trust_utf8:
        return
    bad = con.execute("select count(*) from __ingest_rej where error_type = 'INVALID ENCODING'")
    if bad.fetchone()[0]:
        raise EncodingMismatch


def _place_rows(
    con: duckdb.DuckDBPyConnection,
    q: Quarantine,
    table: str,
    source: CsvInput,
    loaded: int,
    rejected: int,
    *,
    failing_pass: Callable[[], None] | None,
    generated: list[str],
) -> str:
    """Number this load's rows and the failing ones; return SQL for the rejects' lines."""
    physical = source.physical_lines()
    if physical == FIRST_DATA_LINE - 1 + loaded + rejected:
        steps = steps_over(con, "select line as p from __ingest_rej", FIRST_DATA_LINE)
        set_lines(
            con, table, q.load_id, steps, generated=generated, generated_factor=GENERATED_ID_FACTOR
        )
        return "line"
    accepted = loaded
    failing = "select 0::bigint as a, null::varchar as c, null::varchar as raw_text where false"
    if failing_pass is not None:
        failing_pass()  # fills __ingest_chk: one row per parsed row, its check or NULL
        base, accepted, failed = con.execute(
            "select coalesce(min(rowid), 0), count(*), count(c) from __ingest_chk"
        ).fetchone()
        if accepted != loaded + failed:
            raise RuntimeError(
                f"{source.data_path}: the two passes over the file disagree "
                f"({loaded} + {failed} rows vs {accepted}); was it changed while loading?"
            )
        failing = f"select rowid - {base} as a, c, raw_text from __ingest_chk where c is not null"
    if physical == FIRST_DATA_LINE - 1 + accepted + rejected:
        # Record numbers are physical lines: failing rows sit among the rejected lines.
        record_steps = steps_over(con, "select line as p from __ingest_rej", FIRST_DATA_LINE)
        steps_table(con, "__ingest_rsteps", record_steps)
        con.execute(
            f"""
            create or replace temp table __ingest_failing as
            select f.a, f.a + {FIRST_DATA_LINE} + coalesce(s.k, 0) as p, f.c, f.raw_text
            from ({failing}) f asof left join __ingest_rsteps s on f.a >= s.t
            """
        )
        steps = steps_over(
            con,
            "select line as p from __ingest_rej union all select p from __ingest_failing",
            FIRST_DATA_LINE,
        )
        set_lines(
            con, table, q.load_id, steps, generated=generated, generated_factor=GENERATED_ID_FACTOR
        )
        line_of_reject = "line"
    else:
        physical_map(con, "__ingest_phys", source.data_path, source.dialect, source.compression)
        con.execute(
            f"""
            create or replace temp table __ingest_acc as
            select p, row_number() over (order by p) - 1 as a from __ingest_phys
            where starts and not blank and d >= {FIRST_DATA_LINE}
                and d not in (select line from __ingest_rej)
            """
        )
        placed = _count(con, "__ingest_acc")
        if placed != accepted:
            raise RuntimeError(
                f"{source.data_path}: could not place rows on lines ({placed} record lines "
                f"for {accepted} rows); is the quoting of this file regular?"
            )
        con.execute(
            f"""
            create or replace temp table __ingest_failing as
            select f.a, acc.p, f.c, f.raw_text from ({failing}) f join __ingest_acc acc using (a)
            """
        )
        con.execute(
            """
            create or replace temp table __ingest_lmap as
            select row_number() over (order by p) - 1 as j, p
            from __ingest_acc anti join __ingest_failing using (a)
            """
        )
        set_lines(
            con,
            table,
            q.load_id,
            None,
            generated=generated,
            generated_factor=GENERATED_ID_FACTOR,
            line_map="__ingest_lmap",
        )
        line_of_reject = "(select m.p from __ingest_phys m where m.starts and m.d = r.line)"
    if failing_pass is not None:
        q.insert(
            """
            select p as line_number, split_part(c, ':', 1) as column_name, raw_text,
                split_part(c, chr(31), 1) as reason, split_part(c, chr(31), 2) as kind
            from __ingest_failing order by p
            """
        )
    return line_of_reject


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {ident(table)}").fetchone()[0]


def _quarantine_rejects(con: duckdb.DuckDBPyConnection, q: Quarantine, line_sql: str) -> None:
    q.insert(
        f"""
        select {line_sql} as line_number, column_name, raw_text, reason, kind
        from __ingest_rej r order by line
        """
    )


def load_contract(
    con: duckdb.DuckDBPyConnection,
    q: Quarantine,
    table: str,
    mapping: Mapping,
    source: CsvInput,
    *,
    trust_utf8: bool,
    progress: Progress | None = None,
) -> int:
    """Load a CSV under a contract; return the rows inserted (before duplicate removal)."""
    types = [(name, "VARCHAR") for name in source.dialect.columns]
    rows: RowSql = row_sql(
        mapping, dict(types), load_id=q.load_id, delimiter=source.dialect.delimiter
    )
    reader, params = reader_sql(source, types, keep_rejects=True)
    targets = rows.targets + [("load_id", str(q.load_id)), ("source_line", "0")]
    loaded = live.execute(
        con,
        f"""
        insert into {table} ({", ".join(ident(name) for name, _ in targets)})
        select {", ".join(value for _, value in targets)}
        from (select {rows.typed_select} from {reader})
        where {rows.check} is null
        """,
        params,
        message=f"loading {source.name}",
        progress=progress,
    )[0][0]
    reject_rows(con, len(types))
    _check_encoding(con, trust_utf8)
    rejected = _count(con, "__ingest_rej")

    def failing_pass() -> None:
        again, again_params = reader_sql(source, types, keep_rejects=False)
        live.execute(
            con,
            f"""
            create or replace temp table __ingest_chk as
            select c, case when c is not null then {rows.raw_text} end as raw_text
            from (select *, {rows.check} as c from (select {rows.typed_select} from {again}))
            """,
            again_params,
            message=f"finding rows of {source.name} that failed checks",
            progress=progress,
        )

    line_sql = _place_rows(
        con, q, table, source, loaded, rejected,
        failing_pass=failing_pass, generated=mapping.generated,
    )  # fmt: skip
    _quarantine_rejects(con, q, line_sql)
    return loaded


def load_as_is(
    con: duckdb.DuckDBPyConnection,
    q: Quarantine,
    table: str,
    source: CsvInput,
    types: list[tuple[str, str]],
    *,
    create: bool,
    trust_utf8: bool,
    progress: Progress | None = None,
) -> int:
    """Load a CSV with the given column types into `table`, creating it if asked."""
    reader, params = reader_sql(source, types, keep_rejects=True)
    select = f"select *, {q.load_id}::bigint as load_id, 0::bigint as source_line from {reader}"
    if create:
        live.execute(
            con,
            f"create table {table} as {select}",
            params,
            message=f"loading {source.name}",
            progress=progress,
        )
        loaded = con.execute(f"select count(*) from {table}").fetchone()[0]
    else:
        sql = f"insert into {table} by name {select}"
        loaded = live.execute(
            con, sql, params, message=f"loading {source.name}", progress=progress
        )[0][0]
    reject_rows(con, len(types))
    _check_encoding(con, trust_utf8)
    rejected = _count(con, "__ingest_rej")
    line_sql = _place_rows(con, q, table, source, loaded, rejected, failing_pass=None, generated=[])
    _quarantine_rejects(con, q, line_sql)
    return loaded
