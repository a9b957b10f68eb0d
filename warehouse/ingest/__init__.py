"""Ingestion: CSV and Parquet exports into the warehouse's raw tables.

    from warehouse.db import connect
    from warehouse.ingest import ingest_file

    result = ingest_file(connect(), "export.csv", contract="ad_events")

Modules: `files` (bytes: kind, checksum, encoding), `dialect` (CSV delimiter and
header), `checks` (contract mapping and the SQL that validates rows), `lines` (line
numbers), `csv_load` and `parquet_load` (the SQL passes), `quarantine` (rows that do
not load), `statement_progress` (a long statement's progress), `load` (the
transaction and ops.loads).
"""

from warehouse.ingest.load import IngestError, LoadResult, ingest_file

__all__ = ["IngestError", "LoadResult", "ingest_file"]
