"""`portrait ingest`: load CSV or Parquet exports into the warehouse, one atomic load per file."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from portrait.progress import progress_bar
from portrait.warehouse_access import writing
from warehouse.contracts import get_contract
from warehouse.ingest import IngestError, LoadResult, ingest_file
from warehouse.sql import TABLE_NAME


def parse_pairs(pairs: list[str], origin: str) -> dict[str, str]:
    """['segment=Label', ...] -> {'segment': 'Label'}; blank lines and # comments are skipped."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        text = pair.strip()
        if not text or text.startswith("#"):
            continue
        contract_col, sep, source_col = text.partition("=")
        if not sep or not contract_col.strip() or not source_col.strip():
            raise click.BadParameter(f"{text!r} is not contract_col=source_col", param_hint=origin)
        mapping[contract_col.strip()] = source_col.strip()
    return mapping


def read_mapping_file(path: str) -> dict[str, str]:
    """A JSON object {contract_col: source_col}, or lines contract_col=source_col."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise click.BadParameter(
                f"{path}: invalid JSON ({error})", param_hint="--mapping-file"
            ) from None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()):
            raise click.BadParameter(
                f"{path}: values must be column names", param_hint="--mapping-file"
            )
        return dict(loaded)
    return parse_pairs(text.splitlines(), "--mapping-file")


def summary_line(path: str, result: LoadResult) -> str:
    """One line per file: what was read, loaded, quarantined or skipped, and the top reasons."""
    if result.skipped:
        return (
            f"{path}: skipped, already loaded into {result.target_table} as load "
            f"{result.load_id} (same SHA-256); use --force to reload"
        )
    line = (
        f"{path}: {result.rows_read:,} read, {result.rows_loaded:,} loaded, "
        f"{result.rows_quarantined:,} quarantined -> {result.target_table} "
        f"(load {result.load_id}, {result.seconds:.1f} s"
    )
    if result.replaced_load_id is not None:
        line += f", replaces load {result.replaced_load_id}"
    line += ")"
    if result.ignored_columns:
        line += f"; ignored columns: {', '.join(result.ignored_columns)}"
    if result.quarantine_reasons:
        top = "; ".join(f"{kind} ({n:,})" for kind, n in result.top_reasons(3))
        line += f"; top reasons: {top}"
    return line


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--contract", help="Data contract to validate against, e.g. ad_events.")
@click.option(
    "--table", help="Load as is into raw.TABLE (types inferred), for the generic trainer."
)
@click.option(
    "--map", "pairs", multiple=True, metavar="CONTRACT_COL=SOURCE_COL",
    help="Map a contract column onto a file column; repeatable.",
)  # fmt: skip
@click.option(
    "--mapping-file", type=click.Path(exists=True, dir_okay=False),
    help="JSON object or lines of contract_col=source_col; --map entries win.",
)  # fmt: skip
@click.option("--delimiter", help="CSV delimiter (default: sniffed); '\\t' for tab.")
@click.option(
    "--encoding", type=click.Choice(["utf-8", "cp1251"], case_sensitive=False),
    help="Text encoding of CSV files (default: detected).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Reload files already loaded, replacing that load.")
@click.option(
    "--progress/--no-progress", default=None,
    help="Show progress bars (default: when stderr is a terminal).",
)  # fmt: skip
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    contract: str | None,
    table: str | None,
    pairs: tuple[str, ...],
    mapping_file: str | None,
    delimiter: str | None,
    encoding: str | None,
    force: bool,
    progress: bool | None,
) -> None:
    """Load CSV (plain or .gz, UTF-8 or cp1251) or Parquet files, each in its own transaction.

    Good rows go to the contract's raw table, the others to ops.quarantine with the
    line and the reason. A file already loaded (same SHA-256) is skipped.
    """
    if (contract is None) == (table is None):
        raise click.UsageError("give exactly one of --contract NAME or --table NAME")
    if table is not None and (pairs or mapping_file):
        raise click.UsageError("--map and --mapping-file apply to --contract loads only")
    if contract is not None:
        try:
            get_contract(contract)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--contract") from None
    if table is not None and not TABLE_NAME.match(table):
        raise click.BadParameter("must match ^[a-z_][a-z0-9_]*$", param_hint="--table")
    mapping = read_mapping_file(mapping_file) if mapping_file else {}
    mapping.update(parse_pairs(list(pairs), "--map"))
    show = sys.stderr.isatty() if progress is None else progress
    totals = {"read": 0, "loaded": 0, "quarantined": 0, "skipped": 0}
    failures: list[str] = []
    with writing(ctx, "ingest") as (con, step):
        for path in paths:
            # One bar context per file: its bars are gone before its summary line is printed.
            bars = progress_bar("ingest") if show else nullcontext(None)
            try:
                with bars as progress:
                    result = ingest_file(
                        con, path, contract=contract, table=table, mapping=mapping or None,
                        delimiter=delimiter, encoding=encoding, force=force, progress=progress,
                    )  # fmt: skip
            except Exception as error:  # noqa: BLE001 - reported per file, then exit 1
                reason = _first_line(error)
                named = reason if Path(path).name in reason else f"{path}: {reason}"
                click.echo(f"FAILED: {named}")
                failures.append(named)
                continue
            click.echo(summary_line(path, result))
            totals["read"] += result.rows_read
            totals["loaded"] += result.rows_loaded
            totals["quarantined"] += result.rows_quarantined
            totals["skipped"] += int(result.skipped)
        total = (
            f"total: {len(paths)} file(s), {totals['read']:,} read, "
            f"{totals['loaded']:,} loaded, {totals['quarantined']:,} quarantined, "
            f"{totals['skipped']} skipped, {len(failures)} failed"
        )
        click.echo(total)
        step["message"] = total
        if failures:
            # One line: the command line prints it as `portrait: error: ...` and exits 1.
            if len(paths) == 1:
                raise IngestError(failures[0])
            raise IngestError(
                f"{len(failures)} of {len(paths)} files failed: {' | '.join(failures)}"
            )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
