"""ingest_file: one file into one raw table, all or nothing, recorded in ops.loads."""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.contracts import CONTRACTS, Contract, get_contract
from warehouse.db import table_exists, transaction
from warehouse.ingest import as_is, csv_load, parquet_load
from warehouse.ingest.checks import map_columns
from warehouse.ingest.dialect import parse_delimiter, sniff_dialect
from warehouse.ingest.files import (
    Digest,
    SourceFile,
    detect_encoding,
    digest,
    inspect_source,
    normalize_encoding,
    read_head,
    transcode_to_utf8,
)
from warehouse.ingest.quarantine import Quarantine, duplicates
from warehouse.progress import Progress
from warehouse.sql import TABLE_NAME, qualified

log = logging.getLogger(__name__)

CONTRACT_TABLES = {c.table.split(".", 1)[1]: c.name for c in CONTRACTS.values()}


class IngestError(RuntimeError):
    """A file could not be loaded; the warehouse is as it was before."""


@dataclass(frozen=True)
class LoadResult:
    """What one ingest_file call did."""

    load_id: int
    target_table: str
    source_path: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    skipped: bool = False  # the same file was already loaded into this table; nothing written
    replaced_load_id: int | None = None
    seconds: float = 0.0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)  # kind -> rows
    ignored_columns: tuple[str, ...] = ()
    encoding: str | None = None
    sha256: str = ""

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.quarantine_reasons.items(), key=lambda item: (-item[1], item[0]))[:n]


def _target(contract: str | None, table: str | None) -> tuple[Contract | None, str]:
    if (contract is None) == (table is None):
        raise ValueError("pass exactly one of contract= or table=")
    if contract is not None:
        found = get_contract(contract)
        return found, found.table
    assert table is not None
    if not TABLE_NAME.match(table):
        raise ValueError(f"table name {table!r} must match ^[a-z_][a-z0-9_]*$")
    if table in CONTRACT_TABLES:
        raise ValueError(
            f"raw.{table} is the table of contract {CONTRACT_TABLES[table]!r}; "
            f"load it with contract={CONTRACT_TABLES[table]!r}"
        )
    return None, f"raw.{table}"


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    contract: str | None = None,
    table: str | None = None,
    mapping: dict[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one CSV (plain or .gz, UTF-8 or cp1251) or Parquet file into the warehouse.

    With `contract`, the file's columns are mapped onto the contract (`mapping`
    {contract column: file column}, else same name ignoring case), checked, and the
    good rows go to the contract's raw table, the others to ops.quarantine. With
    `table`, the file lands as it is in raw.<table>, types inferred by DuckDB.

    The whole load is one transaction. A file whose SHA-256 is already loaded into
    the target is skipped (LoadResult.skipped) unless `force`, which replaces that load.

    `progress` hears each phase of the load (see warehouse.progress): the bytes of a pass
    over the file (checksum of a file that may be loaded already, cp1251 transcoding)
    and each long SQL statement in percent.
    """
    clock = time.perf_counter()
    started = datetime.now()
    contract_obj, target = _target(contract, table)
    source = inspect_source(path)
    chosen_encoding = normalize_encoding(encoding) if encoding else None
    chosen_delimiter = parse_delimiter(delimiter) if delimiter else None
    is_csv = source.format == "csv"

    known: Digest | None = None
    replaced: int | None = None
    previous = con.execute(
        "select load_id, sha256 from ops.loads "
        "where target_table = ? and size_bytes = ? and status = 'loaded' order by load_id",
        [target, source.size],
    ).fetchall()
    if previous:  # only a file of the same size can have the same checksum
        known = digest(source, count_lines=is_csv, progress=progress)
        same = [load_id for load_id, sha in previous if sha == known.sha256]
        if same and not force:
            log.info("%s is already loaded into %s as load %s", source.path, target, same[-1])
            return LoadResult(
                load_id=same[-1], target_table=target, source_path=str(source.path), skipped=True,
                seconds=time.perf_counter() - clock, sha256=known.sha256,
            )  # fmt: skip
        replaced = same[-1] if same else None

    cancel = threading.Event()
    with (
        tempfile.TemporaryDirectory(prefix="portrait-ingest-") as scratch,
        ThreadPoolExecutor(1) as pool,
    ):
        pending = None
        if known is None:  # hash (and count lines) while DuckDB reads
            pending = pool.submit(digest, source, count_lines=is_csv, cancel=cancel)

        def file_digest() -> Digest:
            return known if known is not None else pending.result()

        job = _Load(
            con, source, contract_obj, target, mapping, chosen_delimiter, replaced,
            file_digest, Path(scratch), progress, started, clock,
        )  # fmt: skip
        try:
            try:
                return job.run(chosen_encoding)
            except csv_load.EncodingMismatch:
                log.info("%s is not UTF-8 after all; reading it as cp1251", source.path)
                return job.run("cp1251")
        except duckdb.Error as error:
            cancel.set()
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            raise IngestError(f"could not load {source.path}: {first}") from error
        except BaseException:
            cancel.set()
            raise


@dataclass
class _Load:
    """One attempt at loading a file (a second one if it turns out not to be UTF-8)."""

    con: duckdb.DuckDBPyConnection
    source: SourceFile
    contract: Contract | None
    target: str
    mapping: dict[str, str] | None
    delimiter: str | None
    replaced: int | None
    file_digest: Callable[[], Digest]
    scratch: Path
    progress: Progress | None
    started: datetime
    clock: float

    def _csv_input(self, encoding: str | None) -> tuple[csv_load.CsvInput, str, bool]:
        source = self.source
        trust_utf8 = True
        if encoding is None:
            guess = detect_encoding(source)
            encoding, trust_utf8 = guess.encoding, guess.evidence
        data, compression = source.path, source.compression

        def lines() -> int:
            return self.file_digest().lines or 0

        if encoding == "cp1251":
            copy, count = transcode_to_utf8(source, self.scratch, progress=self.progress)
            data, compression = copy, "none"

            def lines() -> int:
                return count

        readable = SourceFile(data, data.stat().st_size, "csv", gzip=compression == "gzip")
        head = read_head(readable, 1 << 20)
        dialect = sniff_dialect(
            self.con, data, head, compression=compression, delimiter=self.delimiter
        )
        return (
            csv_load.CsvInput(data, compression, dialect, lines, source.path.name),
            encoding,
            trust_utf8,
        )

    def run(self, encoding: str | None) -> LoadResult:
        con, source = self.con, self.source
        csv_input: csv_load.CsvInput | None = None
        if source.format == "csv":
            csv_input, encoding, trust_utf8 = self._csv_input(encoding)
            columns = list(zip(csv_input.dialect.columns, csv_input.dialect.types, strict=True))
        else:
            encoding, trust_utf8 = None, True
            columns = parquet_load.parquet_columns(con, source.path)
        table_sql = qualified(self.target)
        with transaction(con):
            load_id = con.execute("select coalesce(max(load_id), 0) + 1 from ops.loads").fetchone()[
                0
            ]
            q = Quarantine(con, load_id, self.target, str(source.path))
            if self.replaced is not None:
                self._remove(self.replaced, table_sql)
            if self.contract is not None:
                loaded, ignored, column_mapping = self._contract_rows(
                    q, table_sql, columns, csv_input, trust_utf8
                )
            else:
                loaded, ignored, column_mapping = self._as_is_rows(
                    q, table_sql, columns, csv_input, trust_utf8
                )
            if csv_input is not None:
                csv_load.drop_scratch(con)
            stored = con.execute(
                f"select count(*) from {table_sql} where load_id = ?", [load_id]
            ).fetchone()[0]
            if stored != loaded:
                raise RuntimeError(f"load {load_id}: counted {loaded} rows but {stored} are stored")
            sha = self.file_digest().sha256
            seconds = time.perf_counter() - self.clock
            con.execute(
                """
                insert into ops.loads (load_id, target_table, contract, source_path, file_name,
                    sha256, size_bytes, encoding, column_mapping, rows_read, rows_loaded,
                    rows_quarantined, started_at, finished_at, seconds, status, replaces_load_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?, ?, ?, ?, ?, ?, 'loaded', ?)
                """,
                [
                    load_id, self.target, self.contract.name if self.contract else None,
                    str(source.path), source.path.name, sha, source.size, encoding,
                    json.dumps(column_mapping, ensure_ascii=False), loaded + q.count, loaded,
                    q.count, self.started, datetime.now(), seconds, self.replaced,
                ],
            )  # fmt: skip
        log.info(
            "load %s: %s -> %s: %s loaded, %s quarantined in %.1f s",
            load_id, source.path.name, self.target, loaded, q.count, seconds,
        )  # fmt: skip
        return LoadResult(
            load_id=load_id, target_table=self.target, source_path=str(source.path),
            rows_read=loaded + q.count, rows_loaded=loaded, rows_quarantined=q.count,
            replaced_load_id=self.replaced, seconds=seconds, quarantine_reasons=dict(q.kinds),
            ignored_columns=tuple(ignored), encoding=encoding, sha256=sha,
        )  # fmt: skip

    def _remove(self, load_id: int, table_sql: str) -> None:
        """Take out an earlier load of the same file (force): its rows and its quarantine."""
        con = self.con
        if table_exists(con, self.target):
            con.execute(f"delete from {table_sql} where load_id = ?", [load_id])
        con.execute("delete from ops.quarantine where load_id = ?", [load_id])
        con.execute("update ops.loads set status = 'replaced' where load_id = ?", [load_id])

    def _contract_rows(
        self,
        q: Quarantine,
        table_sql: str,
        columns: list[tuple[str, str]],
        csv_input: csv_load.CsvInput | None,
        trust_utf8: bool,
    ) -> tuple[int, tuple[str, ...], dict]:
        contract = self.contract
        assert contract is not None
        names = [name for name, _ in columns]
        mapping = map_columns(contract, names, self.mapping, str(self.source.path))
        if csv_input is not None:
            loaded = csv_load.load_contract(
                self.con, q, table_sql, mapping, csv_input,
                trust_utf8=trust_utf8, progress=self.progress,
            )  # fmt: skip
            delimiter = csv_input.dialect.delimiter
        else:
            loaded = parquet_load.load_contract(
                self.con, q, table_sql, mapping, self.source.path, dict(columns),
                progress=self.progress,
            )  # fmt: skip
            delimiter = ","
        if contract.key and all(mapping.sources[k] for k in contract.key):
            typed = [(c.name, c.type) for c in contract.columns]
            loaded -= duplicates(self.con, q, table_sql, contract.key, typed, delimiter)
        return loaded, mapping.ignored, mapping.as_json()

    def _as_is_rows(
        self,
        q: Quarantine,
        table_sql: str,
        columns: list[tuple[str, str]],
        csv_input: csv_load.CsvInput | None,
        trust_utf8: bool,
    ) -> tuple[int, tuple[str, ...], dict]:
        con, path = self.con, self.source.path
        exists = table_exists(con, self.target)
        if exists:
            columns = as_is.columns_for_append(con, self.target, columns, path)
        else:
            as_is.check_new_columns(columns, path)
        if csv_input is not None:
            loaded = csv_load.load_as_is(
                con, q, table_sql, csv_input, columns, create=not exists,
                trust_utf8=trust_utf8, progress=self.progress,
            )  # fmt: skip
        else:
            loaded = parquet_load.load_as_is(
                con, q, table_sql, path, create=not exists, progress=self.progress
            )
        if not exists:
            as_is.describe(con, table_sql, [name for name, _ in columns], path.name)
        return loaded, (), {name: name for name, _ in columns}
