"""The CSV dialect of a file: delimiter, quoting, header names and (for as-is loads) types.

DuckDB's sniffer decides, unless the caller names the delimiter. The sniffer has one
weakness that matters for exports: when a single sampled line has the wrong number
of fields it gives up on every delimiter and reports the whole line as one column
(delimiter '|'). The header line settles that case: if the sniffed delimiter splits
the header into one column while a common delimiter splits it into several, the
common delimiter wins.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
HEADER_SAMPLE_BYTES = 1 << 20
_EMPTY = ("", "(empty)", None)


@dataclass(frozen=True)
class Dialect:
    """How to read one CSV file with read_csv(auto_detect=false, ...)."""

    delimiter: str
    quote: str
    escape: str
    columns: tuple[str, ...]  # header names, made unique
    types: tuple[str, ...]  # sniffed DuckDB types, one per column (VARCHAR when unknown)
    date_format: str | None = None
    timestamp_format: str | None = None


def parse_delimiter(text: str) -> str:
    """'\\t', 'tab', ';' ... -> the delimiter character(s) read_csv expects."""
    named = {"\\t": "\t", "tab": "\t", "\\x09": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(text.strip().lower(), text) if text.strip() else text
    if not value or len(value.encode("utf-8")) > 4:
        raise ValueError(f"delimiter {text!r} must be 1 to 4 bytes")
    return value


def _split_header(head: str, delimiter: str, quote: str, escape: str) -> list[str]:
    options: dict = {"delimiter": delimiter, "quotechar": quote or None, "strict": False}
    if quote and escape and escape != quote:
        options.update(escapechar=escape, doublequote=False)
    if len(delimiter) != 1:  # the csv module takes one character; split by hand
        return head.splitlines()[0].split(delimiter) if head else []
    try:
        return next(csv.reader(io.StringIO(head, newline=""), **options), [])
    except csv.Error:
        return head.splitlines()[0].split(delimiter) if head else []


def header_names(fields: list[str]) -> tuple[str, ...]:
    """Header fields as column names: trimmed, BOM-free, empty ones named, duplicates numbered."""
    names: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(fields):
        name = raw.lstrip("\ufeff").strip() or f"column{index}"
        candidate, suffix = name, 1
        while candidate.lower() in seen:
            candidate = f"{name}_{suffix}"
            suffix += 1
        seen.add(candidate.lower())
        names.append(candidate)
    return tuple(names)


def _sniff(
    con: duckdb.DuckDBPyConnection, path: Path, compression: str, delimiter: str | None
) -> tuple | None:
    options = ["header = true", "compression = ?"]
    params: list = [str(path), compression]
    if delimiter is not None:
        options.append("delim = ?")
        params.append(delimiter)
    query = (
        "select Delimiter, Quote, Escape, Columns, DateFormat, TimestampFormat "
        f"from sniff_csv(?, {', '.join(options)})"
    )
    try:
        return con.execute(query, params).fetchone()
    except duckdb.Error as error:
        log.info("sniffer gave up on %s: %s", path, str(error).splitlines()[0])
        return None


def sniff_dialect(
    con: duckdb.DuckDBPyConnection,
    data_path: Path,
    head: bytes,
    *,
    compression: str,
    delimiter: str | None = None,
) -> Dialect:
    """The dialect of the UTF-8 CSV at `data_path`, whose first bytes are `head`."""
    head_text = head[:HEADER_SAMPLE_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    sniffed = _sniff(con, data_path, compression, delimiter)
    quote = '"' if sniffed is None or sniffed[1] in _EMPTY else sniffed[1]
    escape = quote if sniffed is None or sniffed[2] in _EMPTY else sniffed[2]
    chosen = delimiter
    if chosen is None:
        chosen = sniffed[0] if sniffed is not None else ","
        widths = {d: len(_split_header(head_text, d, quote, escape)) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: widths[d])
        if len(_split_header(head_text, chosen, quote, escape)) <= 1 and widths[best] > 1:
            log.info("sniffed delimiter %r does not split the header; using %r", chosen, best)
            chosen = best
            sniffed = _sniff(con, data_path, compression, chosen)
            if sniffed is not None and sniffed[1] not in _EMPTY:
                quote = sniffed[1]
                escape = quote if sniffed[2] in _EMPTY else sniffed[2]
    columns = header_names(_split_header(head_text, chosen, quote, escape))
    types = tuple("VARCHAR" for _ in columns)
    date_format = timestamp_format = None
    if sniffed is not None and sniffed[0] == chosen and len(sniffed[3]) == len(columns):
        types = tuple(column["type"] for column in sniffed[3])
        date_format, timestamp_format = sniffed[4], sniffed[5]
    return Dialect(chosen, quote, escape, columns, types, date_format, timestamp_format)
