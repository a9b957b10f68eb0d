"""Write streams of Arrow tables to export files (Parquet, CSV, gzipped CSV) batch by batch.

Memory stays bounded by one batch whatever the export size. CSV is UTF-8, comma
separated, with an unquoted header line; timestamps print as `YYYY-MM-DD HH:MM:SS`
and a missing value is an empty field, as in the exports this product reads.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = {"parquet": ".parquet", "csv": ".csv", "csv.gz": ".csv.gz"}
PARQUET_COMPRESSION = "zstd"
ROW_GROUP_ROWS = 1_000_000
GZIP_LEVEL = 1


def check_format(fmt: str) -> str:
    """The file suffix for `fmt`, or a ValueError naming the known formats."""
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None


class TableFileWriter:
    """One export file that Arrow tables of the same schema are appended to."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        check_format(fmt)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self._stream = None
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(self.path, schema, compression=PARQUET_COMPRESSION)
        else:
            if fmt == "csv.gz":
                # zlib level 1: several times faster than Arrow's default gzip level, and
                # mtime=0 keeps the bytes identical from run to run.
                self._stream = gzip.GzipFile(self.path, "wb", compresslevel=GZIP_LEVEL, mtime=0)
            else:
                self._stream = pa.OSFile(str(self.path), "wb")
            self._stream.write((",".join(schema.names) + "\n").encode("utf-8"))
            options = pacsv.WriteOptions(include_header=False, delimiter=",")
            self._writer = pacsv.CSVWriter(self._stream, schema, write_options=options)
        self._parquet = fmt == "parquet"

    def write(self, table: pa.Table) -> None:
        if self._parquet:
            self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        else:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        if self._stream is not None:
            self._stream.close()

    def __enter__(self) -> TableFileWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def split_rows(tables: Iterable[pa.Table], rows_per_part: int) -> Iterator[tuple[int, pa.Table]]:
    """(part number from 0, slice) pairs so that each part holds at most rows_per_part rows."""
    if rows_per_part < 1:
        raise ValueError("rows_per_part must be at least 1")
    part, filled = 0, 0
    for table in tables:
        offset = 0
        while offset < table.num_rows:
            take = min(rows_per_part - filled, table.num_rows - offset)
            yield part, table.slice(offset, take)
            offset += take
            filled += take
            if filled == rows_per_part:
                part, filled = part + 1, 0


def write_parts(
    tables: Iterable[pa.Table],
    out_dir: Path,
    stem: str,
    fmt: str,
    rows_per_file: int,
    schema: pa.Schema,
) -> list[Path]:
    """Write the stream to stem_00001.<ext>, stem_00002.<ext>, ... of rows_per_file rows each."""
    suffix = check_format(fmt)
    paths: list[Path] = []
    writer: TableFileWriter | None = None
    current = -1
    try:
        for part, table in split_rows(tables, rows_per_file):
            if part != current:
                if writer is not None:
                    writer.close()
                current = part
                paths.append(Path(out_dir) / f"{stem}_{part + 1:05d}{suffix}")
                writer = TableFileWriter(paths[-1], schema, fmt)
            writer.write(table)
    finally:
        if writer is not None:
            writer.close()
    if not paths:  # an empty export still gets one file with the header / schema
        paths.append(Path(out_dir) / f"{stem}_00001{suffix}")
        TableFileWriter(paths[-1], schema, fmt).close()
    return paths
