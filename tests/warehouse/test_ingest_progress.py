"""Ingestion's progress: phases of bytes and percent whose `done` climbs to their `total`."""

from __future__ import annotations

import gzip
from itertools import groupby
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect
from warehouse.ingest import ingest_file
from warehouse.progress import BYTES, PERCENT, Step

HEADER = "event_id,Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv"


def line(event_id: int, segment: str = "3", city: str = "Moscow") -> str:
    return (
        f"{event_id},{segment},Games,Puzzle,com.nexters.art.water.color,"
        f"2021-07-05 18:51:35,MSK,Moscow,{city},android,9.0"
    )


def csv_text(*lines: str) -> str:
    return "".join(f"{text}\n" for text in (HEADER, *lines))


def plain(path: Path) -> Path:
    path.write_text(csv_text(line(1), line(2)), encoding="utf-8")
    return path


def failing_rows(path: Path) -> Path:
    path.write_text(csv_text(line(1), line(2, segment="9"), line(3)), encoding="utf-8")
    return path


def cp1251(path: Path) -> Path:
    path.write_text(csv_text(line(1, city="Томск"), line(2, city="Омск")), encoding="cp1251")
    return path


def cp1251_gzip(path: Path) -> Path:
    path.write_bytes(gzip.compress(csv_text(line(1, city="Томск")).encode("cp1251")))
    return path


def parquet(path: Path) -> Path:
    duckdb.sql(
        f"copy (select range as k, range * 2 as v from range(5)) to '{path}' (format parquet)"
    )
    return path


def phases(steps: list[Step]) -> list[list[Step]]:
    """Consecutive steps of the same message and unit: one phase each."""
    return [list(group) for _, group in groupby(steps, key=lambda s: (s.message, s.unit))]


CASES = [
    # (file, builder, ingest options, loads before, expected phases)
    ("a.csv", plain, {"contract": "ad_events"}, 0, [("loading a.csv", PERCENT)]),
    (
        "bad.csv",
        failing_rows,
        {"contract": "ad_events"},
        0,
        [("loading bad.csv", PERCENT), ("finding rows of bad.csv that failed checks", PERCENT)],
    ),
    (
        "cp.csv",
        cp1251,
        {"contract": "ad_events"},
        0,
        [("transcoding cp.csv from cp1251", BYTES), ("loading cp.csv", PERCENT)],
    ),
    (
        "cp.csv.gz",
        cp1251_gzip,
        {"contract": "ad_events"},
        0,
        [("transcoding cp.csv.gz from cp1251", BYTES), ("loading cp.csv.gz", PERCENT)],
    ),
    (
        "again.csv",
        plain,
        {"contract": "ad_events", "force": True},
        1,
        [("reading again.csv", BYTES), ("loading again.csv", PERCENT)],
    ),
    ("t.csv", plain, {"table": "as_is"}, 0, [("loading t.csv", PERCENT)]),
    ("t.parquet", parquet, {"table": "pq"}, 0, [("loading t.parquet", PERCENT)]),
]


@pytest.mark.parametrize(
    ("name", "build", "options", "loads_before", "expected"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_each_phase_climbs_to_its_total(tmp_path, name, build, options, loads_before, expected):
    con = connect(tmp_path / "w.duckdb")
    path = build(tmp_path / name)
    for _ in range(loads_before):
        ingest_file(con, path, **options)
    steps: list[Step] = []
    result = ingest_file(con, path, progress=steps.append, **options)
    assert not result.skipped and result.rows_loaded > 0
    found = phases(steps)
    assert [(phase[0].message, phase[0].unit) for phase in found] == expected
    for phase in found:
        done = [step.done for step in phase]
        assert done == sorted(done), phase
        assert done[0] == 0 and phase[-1].total is not None
        assert done[-1] == phase[-1].total, phase
        if phase[0].unit == PERCENT:
            assert {step.total for step in phase} == {100}
    reading = [phase[-1] for phase in found if phase[0].message.startswith("reading")]
    assert all(step.total == path.stat().st_size for step in reading)
    con.close()


def test_a_gzip_file_text_size_is_the_total_at_the_end(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    path = cp1251_gzip(tmp_path / "cp.csv.gz")
    steps: list[Step] = []
    ingest_file(con, path, contract="ad_events", progress=steps.append)
    transcoding = [step for step in steps if step.unit == BYTES]
    assert transcoding[0].total is None  # unknown until the stream is read
    assert transcoding[-1].total == len(gzip.decompress(path.read_bytes()))
    con.close()


def test_a_skipped_file_reads_its_bytes_and_loads_nothing(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    path = plain(tmp_path / "a.csv")
    ingest_file(con, path, contract="ad_events")
    steps: list[Step] = []
    assert ingest_file(con, path, contract="ad_events", progress=steps.append).skipped
    assert {(step.message, step.unit) for step in steps} == {("reading a.csv", BYTES)}
    assert steps[-1].done == steps[-1].total == path.stat().st_size
    con.close()
