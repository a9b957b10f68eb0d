"""Line numbers: which physical line of the file each loaded or quarantined row came from.

DuckDB's CSV reader has no line-number column, and numbering rows with a window
function forces its parallel reader onto one thread (twice the time). So the load
inserts rows in file order with a placeholder and fixes the numbers afterwards, from
the rows' positions (their rowid, contiguous within a load) and the few places where
the file has lines that are not loaded rows:

- lines DuckDB rejected (reject_errors gives their record numbers),
- rows that failed the contract checks,
- blank lines, and continuation lines of quoted values that span lines.

When the file has no blank lines and no multi-line values (its physical line count
equals header + rows + rejected lines, checked against a count taken while hashing),
record numbers are physical lines and the correction is a step function of the
position with one step per skipped line. Otherwise one more scan reads the file line
by line and tracks quote parity to place every record on its physical line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.ingest.dialect import Dialect
from warehouse.sql import ident, literal

CASE_LIMIT = 1024  # more steps than this are applied with a join instead of a CASE
LINE_DELIMITER = "\x1e\x1f"  # never in real text: reads each physical line as one value
MAX_LINE_BYTES = 64 << 20


@dataclass(frozen=True)
class Steps:
    """x -> x + first + steps(x): the line of the x-th included item (x from 0).

    `thresholds` are (t, k): for x >= t at least k excluded lines precede the item.
    """

    first: int
    thresholds: tuple[tuple[int, int], ...]

    def sql(self, x: str) -> str:
        """SQL for the line of position `x` (an expression), as a balanced CASE tree."""
        ts = self.thresholds

        def build(lo: int, hi: int, below: int) -> str:
            if lo >= hi:
                return str(below)
            mid = (lo + hi) // 2
            return (
                f"(case when {x} < {ts[mid][0]} then {build(lo, mid, below)} "
                f"else {build(mid + 1, hi, ts[mid][1])} end)"
            )

        return f"({x} + {self.first} + {build(0, len(ts), 0)})"

    def line(self, x: int) -> int:
        step = 0
        for t, k in self.thresholds:
            if x >= t:
                step = k
        return x + self.first + step


def steps_over(con: duckdb.DuckDBPyConnection, excluded_sql: str, first: int) -> Steps:
    """Steps for numbering the lines from `first` on that are not in `excluded_sql` (column p)."""
    rows = con.execute(
        f"""
        with excluded as (select distinct p from ({excluded_sql}) where p >= {first}),
        ranked as (select p, row_number() over (order by p) as k from excluded)
        select p - {first} - (k - 1) as t, max(k) from ranked group by 1 order by 1
        """
    ).fetchall()
    return Steps(first, tuple((int(t), int(k)) for t, k in rows))


def steps_table(con: duckdb.DuckDBPyConnection, name: str, steps: Steps) -> None:
    """Write `steps` to a temp table (t, k) for the join form of the correction."""
    con.execute(f"create or replace temp table {ident(name)} (t bigint, k bigint)")
    if steps.thresholds:
        con.executemany(f"insert into {ident(name)} values (?, ?)", list(steps.thresholds))


def position_base(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> tuple[int, int]:
    """(first rowid, row count) of this load's rows, which must be contiguous."""
    low, high, count = con.execute(
        f"select min(rowid), max(rowid), count(*) from {table} where load_id = ?", [load_id]
    ).fetchone()
    if count and high - low + 1 != count:
        raise RuntimeError(
            f"rows of load {load_id} in {table} are not contiguous; cannot number them"
        )
    return (low or 0), count


def set_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    load_id: int,
    steps: Steps | None,
    *,
    generated: list[str],
    generated_factor: int,
    line_map: str | None = None,
) -> None:
    """Give this load's rows their source_line (and generated ids), by `steps` or `line_map`.

    `line_map` is a temp table (j, p): the j-th loaded row (from 0) is on line p.
    """
    base, count = position_base(con, table, load_id)
    if not count:
        return
    position = f"(rowid - {base})"
    if line_map is None and steps is not None and len(steps.thresholds) <= CASE_LIMIT:
        line = steps.sql(position)
        sets = [f"source_line = {line}"]
        sets += [f"{ident(g)} = {load_id * generated_factor} + {line}" for g in generated]
        con.execute(f"update {table} set {', '.join(sets)} where load_id = ?", [load_id])
        return
    if line_map is None:
        assert steps is not None
        steps_table(con, "__ingest_steps", steps)
        line_map = "__ingest_line_map"
        con.execute(
            f"""
            create or replace temp table {line_map} as
            select r.rowid - {base} as j, r.rowid - {base} + {steps.first} + coalesce(s.k, 0) as p
            from {table} r asof left join __ingest_steps s on r.rowid - {base} >= s.t
            where r.load_id = {load_id}
            """
        )
    sets = ["source_line = m.p"] + [
        f"{ident(g)} = {load_id * generated_factor} + m.p" for g in generated
    ]
    con.execute(
        f"update {table} set {', '.join(sets)} from {line_map} m "
        f"where {table}.rowid = m.j + {base} and {table}.load_id = ?",
        [load_id],
    )


def physical_map(
    con: duckdb.DuckDBPyConnection,
    name: str,
    data_path: Path,
    dialect: Dialect,
    compression: str,
) -> None:
    """Temp table `name` (p, d, starts, blank): physical line p starts record d or continues one.

    Reads the file one physical line per value and tracks quote parity: a line
    continues a record when the quotes before it are unbalanced. Blank lines start a
    record number of their own (as in DuckDB's reject_errors) but hold no row.
    """
    raw = f"__ingest_phys_{name}"
    con.execute(
        f"""
        create or replace temp table {ident(raw)} as
        select l from read_csv(?, columns = {{'l': 'VARCHAR'}}, header = false,
            delim = ?, quote = '', escape = '', auto_detect = false, strict_mode = false,
            max_line_size = {MAX_LINE_BYTES}, compression = ?)
        """,
        [str(data_path), LINE_DELIMITER, compression],
    )
    base = con.execute(f"select coalesce(min(rowid), 0) from {ident(raw)}").fetchone()[0]
    quote, escape = dialect.quote, dialect.escape
    counted = "l"
    if escape and escape != quote:
        counted = f"replace(replace(l, {literal(escape * 2)}, ''), {literal(escape + quote)}, '')"
    quotes = f"coalesce(length({counted}) - length(replace({counted}, {literal(quote)}, '')), 0)"
    if not quote:
        quotes = "0"
    con.execute(
        f"""
        create or replace temp table {ident(name)} as
        with numbered as (
            select rowid - {base} + 1 as p, l, {quotes} as nq from {ident(raw)}
        ),
        parity as (
            select p, l,
                coalesce(sum(nq) over (order by p rows between unbounded preceding and 1 preceding), 0)
                    % 2 = 1 as continues
            from numbered
        )
        select p, not continues as starts,
            (not continues and (l is null or trim(l, chr(13)) = '')) as blank,
            sum(case when continues then 0 else 1 end) over (order by p) as d
        from parity
        """
    )
    con.execute(f"drop table {ident(raw)}")
