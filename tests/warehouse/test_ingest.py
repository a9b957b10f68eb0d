"""Ingestion: what lands, what is quarantined (line, column, reason), and what is never half-done."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from portrait.ingest_cmd import ingest
from warehouse.db import connect
from warehouse.ingest import IngestError, LoadResult, ingest_file

AD_HEADER = "event_id,Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv"
AD_DEFAULTS = {
    "event_id": "1",
    "Segment": "3",
    "gamecategory": "Games",
    "subgamecategory": "Puzzle",
    "bundle": "com.nexters.art.water.color",
    "created": "2021-07-05 18:51:35",
    "shift": "MSK",
    "oblast": "Moscow",
    "city": "Moscow",
    "os": "android",
    "osv": "9.0",
}
REPO = Path(__file__).resolve().parents[2]


def ad_line(sep: str = ",", **values: str) -> str:
    """One ad-events CSV line: the defaults with `values` replaced."""
    assert set(values) <= set(AD_DEFAULTS), set(values) - set(AD_DEFAULTS)
    return sep.join({**AD_DEFAULTS, **values}.values())


def ad_csv(*lines: str, header: str = AD_HEADER, newline: str = "\n") -> str:
    return "".join(f"{line}{newline}" for line in (header, *lines))


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def write(tmp_path):
    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


def reconciled(con, result: LoadResult) -> LoadResult:
    """The load's counts add up, and match what the warehouse holds for it."""
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert sum(result.quarantine_reasons.values()) == result.rows_quarantined
    if result.skipped:
        return result
    stored = con.execute(
        f"select count(*) from {result.target_table} where load_id = ?", [result.load_id]
    ).fetchone()[0]
    quarantined = con.execute(
        "select count(*) from ops.quarantine where load_id = ?", [result.load_id]
    ).fetchone()[0]
    recorded = con.execute(
        "select rows_read, rows_loaded, rows_quarantined, status from ops.loads where load_id = ?",
        [result.load_id],
    ).fetchone()
    assert (stored, quarantined) == (result.rows_loaded, result.rows_quarantined)
    assert recorded == (result.rows_read, result.rows_loaded, result.rows_quarantined, "loaded")
    return result


def quarantine(con, load_id: int | None = None) -> list[tuple]:
    """(line_number, column_name, reason) of quarantined rows, in line order."""
    where = "" if load_id is None else f"where load_id = {load_id}"
    return con.execute(
        f"select line_number, column_name, reason from ops.quarantine {where} order by line_number"
    ).fetchall()


def warehouse_counts(con) -> tuple[int, ...]:
    return con.execute(
        "select (select count(*) from raw.ad_events), (select count(*) from ops.loads), "
        "(select count(*) from ops.quarantine)"
    ).fetchone()


# --- files that are not what they seem ---------------------------------------------------


def test_empty_file_is_an_error_that_names_it_and_writes_nothing(con, write):
    path = write("empty.csv", b"")
    with pytest.raises(ValueError, match=r"empty\.csv is empty"):
        ingest_file(con, path, contract="ad_events")
    assert warehouse_counts(con) == (0, 0, 0)


def test_header_only_file_is_a_load_of_zero_rows(con, write):
    result = reconciled(con, ingest_file(con, write("h.csv", ad_csv()), contract="ad_events"))
    assert (result.rows_read, result.skipped) == (0, False)
    assert con.execute("select rows_read, status from ops.loads").fetchall() == [(0, "loaded")]


def test_extra_column_is_ignored_and_reported(con, write):
    text = ad_csv(ad_line() + ",x", header=AD_HEADER + ",campaign")
    result = reconciled(con, ingest_file(con, write("extra.csv", text), contract="ad_events"))
    assert result.rows_loaded == 1
    assert result.ignored_columns == ("campaign",)
    mapping = json.loads(con.execute("select column_mapping from ops.loads").fetchone()[0])
    assert mapping["segment"] == "Segment" and "campaign" not in mapping.values()


def test_semicolon_file_is_sniffed(con, write):
    text = ad_csv(ad_line(";"), ad_line(";", event_id="2"), header=AD_HEADER.replace(",", ";"))
    result = reconciled(con, ingest_file(con, write("semi.csv", text), contract="ad_events"))
    assert result.rows_loaded == 2


def test_forcing_the_wrong_delimiter_lists_what_the_file_has(con, write):
    header = AD_HEADER.replace(",", ";")
    path = write("semi.csv", ad_csv(ad_line(";"), header=header))
    with pytest.raises(ValueError) as error:
        ingest_file(con, path, contract="ad_events", delimiter=",")
    message = str(error.value)
    assert "semi.csv" in message
    assert "missing required columns bundle, created" in message
    assert f"the file has columns: {header}" in message
    assert warehouse_counts(con) == (0, 0, 0)


def test_missing_required_columns_error_lists_them_and_the_file_columns(con, write):
    path = write("few.csv", "event_id,Bundle,when\n1,com.a,2021-07-05\n")
    with pytest.raises(ValueError) as error:
        ingest_file(con, path, contract="ad_events")
    message = str(error.value)
    assert "few.csv: missing required column created of contract 'ad_events'" in message
    assert "the file has columns: event_id, Bundle, when" in message


def test_cp1251_file_lands_as_correct_cyrillic(con, write):
    text = ad_csv(
        ad_line(oblast="Новосибирская область", city="Новосибирск"),
        ad_line(event_id="2", oblast="Москва", city="Зеленоград"),
    )
    path = write("cp.csv", text, encoding="cp1251")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert result.encoding == "cp1251"
    assert con.execute("select oblast, city from raw.ad_events order by event_id").fetchall() == [
        ("Новосибирская область", "Новосибирск"),
        ("Москва", "Зеленоград"),
    ]
    assert con.execute("select encoding from ops.loads").fetchone() == ("cp1251",)


def test_cp1251_is_found_even_after_megabytes_of_ascii(con, write):
    ascii_lines = [ad_line(event_id=str(i)) for i in range(1, 50_001)]  # > 4 MB of ASCII
    late = ad_line(event_id="50001", city="Томск")
    path = write("late.csv", ad_csv(*ascii_lines, late), encoding="cp1251")
    assert path.stat().st_size > 4 << 20
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert (result.encoding, result.rows_loaded) == ("cp1251", 50_001)
    assert con.execute("select city from raw.ad_events where event_id = 50001").fetchone() == (
        "Томск",
    )


def test_encoding_override_is_used_and_recorded(con, write):
    path = write("cp.csv", ad_csv(ad_line(city="Омск")), encoding="cp1251")
    result = reconciled(con, ingest_file(con, path, contract="ad_events", encoding="windows-1251"))
    assert result.encoding == "cp1251"
    assert con.execute("select city from raw.ad_events").fetchone() == ("Омск",)


def test_utf8_with_bom(con, write):
    path = write("bom.csv", ad_csv(ad_line(city="Тверь")), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert (result.encoding, result.ignored_columns, result.rows_loaded) == ("utf-8", (), 1)
    assert con.execute("select event_id, city from raw.ad_events").fetchone() == (1, "Тверь")


def test_gzip_csv_loads(con, write):
    path = write("ev.csv.gz", gzip.compress(ad_csv(ad_line(), ad_line(event_id="2")).encode()))
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert result.rows_loaded == 2
    assert con.execute("select source_line from raw.ad_events order by 1").fetchall() == [
        (2,),
        (3,),
    ]


@pytest.mark.parametrize("rows", [3_000, 150_000], ids=["cut-in-the-sniffed-head", "cut-later"])
def test_truncated_gzip_names_the_file_and_changes_nothing(con, write, rows):
    reconciled(con, ingest_file(con, write("ok.csv", ad_csv(ad_line())), contract="ad_events"))
    lines = [ad_line(event_id=str(i), bundle=f"com.app{i * 7919 % 100003}") for i in range(2, rows)]
    whole = gzip.compress(ad_csv(*lines).encode())
    path = write("cut.csv.gz", whole[: len(whole) // 2])
    before = warehouse_counts(con)
    with pytest.raises(
        (IngestError, ValueError), match=r"(?i)cut\.csv\.gz.*gzip|gzip.*cut\.csv\.gz"
    ):
        ingest_file(con, path, contract="ad_events")
    assert warehouse_counts(con) == before == (1, 1, 0)


# --- quoting and line numbers ------------------------------------------------------------


def test_quoted_fields_with_delimiters_and_newlines_keep_line_numbers(con, write):
    text = ad_csv(
        ad_line(event_id="1", subgamecategory='"Puzzle, Word"'),
        ad_line(event_id="2", subgamecategory='"two\nlines"'),
        ad_line(event_id="3", created="notadate"),
        ad_line(event_id="4", subgamecategory='"say ""hi"""'),
    )
    result = reconciled(con, ingest_file(con, write("q.csv", text), contract="ad_events"))
    assert con.execute(
        "select event_id, subgamecategory, source_line from raw.ad_events order by event_id"
    ).fetchall() == [(1, "Puzzle, Word", 2), (2, "two\nlines", 3), (4, 'say "hi"', 6)]
    assert quarantine(con) == [(5, "created", "created: 'notadate' is not a timestamp")]
    assert result.rows_quarantined == 1


def test_rejected_lines_in_the_middle_shift_the_lines_after_them(con, write):
    text = ad_csv(
        ad_line(event_id="1"),
        ad_line(event_id="2", subgamecategory='"Puzzle, Word"'),
        ad_line(event_id="3") + ",surplus",
        ad_line(event_id="4"),
        "5,3,Games",
        "6,4,Games",
        ad_line(event_id="7", os="windows"),
        ad_line(event_id="8"),
    )
    result = reconciled(con, ingest_file(con, write("mid.csv", text), contract="ad_events"))
    assert con.execute("select event_id, source_line from raw.ad_events order by 1").fetchall() == [
        (1, 2),
        (2, 3),
        (4, 5),
        (8, 9),
    ]
    assert quarantine(con) == [
        (4, None, "line has 12 columns, expected 11"),
        (6, None, "line has 3 columns, expected 11"),
        (7, None, "line has 3 columns, expected 11"),
        (8, "os", "os: 'windows' is not one of android, ios"),
    ]
    raw = con.execute("select raw_text from ops.quarantine order by line_number").fetchall()
    assert raw[0] == (ad_line(event_id="3") + ",surplus",)
    assert raw[1] == ("5,3,Games",)
    assert result.quarantine_reasons == {
        "line: wrong number of columns": 3,
        "os: not one of android, ios": 1,
    }


def test_blank_lines_and_crlf_keep_line_numbers(con, write):
    text = "\r\n".join(
        [AD_HEADER, ad_line(event_id="1"), "", ad_line(event_id="2", created="2021-13-01"), "",
         ad_line(event_id="3"), ""]
    )  # fmt: skip
    result = reconciled(con, ingest_file(con, write("blank.csv", text), contract="ad_events"))
    assert con.execute("select event_id, source_line from raw.ad_events order by 1").fetchall() == [
        (1, 2),
        (3, 6),
    ]
    assert quarantine(con) == [(4, "created", "created: '2021-13-01' is not a timestamp")]
    assert result.rows_read == 3


def test_unterminated_quote_is_quarantined_with_its_line(con, write):
    text = ad_csv(ad_line(event_id="1"), ad_line(event_id="2", subgamecategory='"never closed'))
    result = reconciled(con, ingest_file(con, write("open.csv", text), contract="ad_events"))
    assert result.rows_loaded == 1
    assert quarantine(con) == [(3, None, "line has a quote that is never closed")]


def test_line_numbers_hold_across_the_parallel_reader(con, tmp_path):
    path = tmp_path / "many.csv"
    duckdb.sql(
        f"""
        copy (
            select i as event_id, case when i in (70001, 150002) then 'x' else '3' end as Segment,
                'Games' as gamecategory, 'Puzzle' as subgamecategory, 'com.a' as bundle,
                '2021-07-05 18:51:35' as created, 'MSK' as shift, 'Moscow' as oblast,
                'Moscow' as city, 'ios' as os, '14.4' as osv
            from range(1, 300001) t(i)
        ) to '{path}' (header)
        """
    )
    text = path.read_text().splitlines(keepends=True)
    text.insert(100_000, "1,2,3\n")  # a malformed line: physical line 100001
    path.write_text("".join(text))
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert (result.rows_loaded, result.rows_quarantined) == (299_998, 3)
    # event i is on line i + 1 before the inserted line and on line i + 2 after it
    wrong = con.execute(
        "select count(*) from raw.ad_events "
        "where source_line <> event_id + case when event_id < 100000 then 1 else 2 end"
    ).fetchone()[0]
    assert wrong == 0
    assert quarantine(con) == [
        (70_002, "segment", "segment: 'x' is not an integer"),
        (100_001, None, "line has 3 columns, expected 11"),
        (150_004, "segment", "segment: 'x' is not an integer"),
    ]


# --- the checks ----------------------------------------------------------------------------

BAD_VALUES = [
    # (column overrides, line's column, reason)
    ({"created": "notadate"}, "created", "created: 'notadate' is not a timestamp"),
    ({"created": "05.07.2021 10:00"}, "created", "created: '05.07.2021 10:00' is not a timestamp"),
    ({"created": ""}, "created", "created: required value is missing"),
    ({"bundle": ""}, "bundle", "bundle: required value is missing"),
    ({"Segment": "7"}, "segment", "segment: 7 is above the maximum 5"),
    ({"Segment": "0"}, "segment", "segment: 0 is below the minimum 1"),
    ({"Segment": "300"}, "segment", "segment: 300 is above the maximum 5"),
    ({"Segment": "two"}, "segment", "segment: 'two' is not an integer"),
    ({"Segment": "3.5"}, "segment", "segment: '3.5' is not an integer"),
    ({"os": "windows"}, "os", "os: 'windows' is not one of android, ios"),
    ({"shift": "GMT+3"}, "shift", "shift: 'GMT+3' does not match ^MSK([+-][0-9]{1,2})?$"),
    ({"shift": "MSK+100"}, "shift", "shift: 'MSK+100' does not match ^MSK([+-][0-9]{1,2})?$"),
    ({"event_id": "-5"}, "event_id", "event_id: -5 is below the minimum 0"),
    ({"event_id": "abc"}, "event_id", "event_id: 'abc' is not an integer"),
    ({"event_id": ""}, "event_id", "event_id: required value is missing"),
    ({"Segment": "9", "os": "windows"}, "segment", "segment: 9 is above the maximum 5"),
]


@pytest.mark.parametrize(("values", "column", "reason"), BAD_VALUES, ids=lambda v: str(v))
def test_a_bad_value_quarantines_its_row_with_the_reason(con, write, values, column, reason):
    text = ad_csv(
        ad_line(event_id="1"), ad_line(**{"event_id": "2", **values}), ad_line(event_id="3")
    )
    result = reconciled(con, ingest_file(con, write("bad.csv", text), contract="ad_events"))
    assert quarantine(con) == [(3, column, reason)]
    assert con.execute("select event_id from raw.ad_events order by 1").fetchall() == [(1,), (3,)]
    raw = con.execute("select raw_text from ops.quarantine").fetchone()[0]
    assert raw == ad_line(**{"event_id": "2", **values})
    assert result.rows_quarantined == 1


def test_the_reason_kind_drops_the_value_so_rows_can_be_counted_by_kind(con, write):
    lines = [ad_line(event_id=str(i), created=day) for i, day in enumerate(["x", "y", "z"], 1)]
    ingest_file(con, write("bad.csv", ad_csv(*lines, ad_line(event_id="4"))), contract="ad_events")
    kinds = con.execute(
        "select reason_kind, count(*), count(distinct reason) from ops.quarantine group by 1"
    ).fetchall()
    assert kinds == [("created: not a timestamp", 3, 3)]


GOOD_VALUES = [
    ({"created": "2021-07-05T18:51:35"}, "created", "2021-07-05 18:51:35"),
    ({"created": "2021-07-05 18:51:35.250"}, "created", "2021-07-05 18:51:35.25"),
    ({"created": "2021-07-05"}, "created", "2021-07-05 00:00:00"),
    ({"Segment": ""}, "segment", None),
    ({"Segment": "4.0"}, "segment", "4"),
    ({"os": "IOS"}, "os", "ios"),
    ({"shift": "msk+4"}, "shift", "MSK+4"),
    ({"city": ""}, "city", None),
]


@pytest.mark.parametrize(("values", "column", "stored"), GOOD_VALUES, ids=lambda v: str(v))
def test_accepted_forms_are_stored_canonically(con, write, values, column, stored):
    path = write("good.csv", ad_csv(ad_line(**values)))
    reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert con.execute(f"select {column}::varchar from raw.ad_events").fetchone() == (stored,)


def test_shift_is_parsed_to_hours(con, write):
    shifts = ["MSK", "MSK+4", "MSK-1", "", "msk+10"]
    text = ad_csv(*(ad_line(event_id=str(i), shift=s) for i, s in enumerate(shifts, 1)))
    reconciled(con, ingest_file(con, write("shift.csv", text), contract="ad_events"))
    assert con.execute(
        "select shift, shift_hours from raw.ad_events order by event_id"
    ).fetchall() == [
        ("MSK", 0),
        ("MSK+4", 4),
        ("MSK-1", -1),
        (None, None),
        ("MSK+10", 10),
    ]


def test_event_id_is_generated_from_load_and_line_when_absent(con, write):
    header = AD_HEADER.removeprefix("event_id,")
    lines = [ad_line().removeprefix("1,"), "bad,line", ad_line().removeprefix("1,")]
    reconciled(
        con,
        ingest_file(con, write("noid.csv", ad_csv(*lines, header=header)), contract="ad_events"),
    )
    assert con.execute("select event_id, source_line from raw.ad_events order by 2").fetchall() == [
        (10_000_000_002, 2),
        (10_000_000_004, 4),
    ]
    second = ingest_file(
        con, write("noid2.csv", ad_csv(lines[0], header=header)), contract="ad_events"
    )
    assert con.execute(
        "select event_id from raw.ad_events where load_id = ?", [second.load_id]
    ).fetchone() == (20_000_000_002,)


def test_duplicate_keys_in_the_file_and_in_the_table(con, write):
    first = write("a.csv", ad_csv(ad_line(event_id="1"), ad_line(event_id="2")))
    reconciled(con, ingest_file(con, first, contract="ad_events"))
    text = ad_csv(
        ad_line(event_id="5"), ad_line(event_id="2"), ad_line(event_id="5"), ad_line(event_id="6")
    )
    result = reconciled(con, ingest_file(con, write("b.csv", text), contract="ad_events"))
    assert quarantine(con, result.load_id) == [
        (3, "event_id", "event_id: 2 is already in raw.ad_events (load 1)"),
        (4, "event_id", "event_id: 5 is a duplicate of line 2"),
    ]
    assert result.quarantine_reasons == {
        "event_id: already loaded": 1,
        "event_id: duplicate in the file": 1,
    }
    assert con.execute("select event_id, load_id from raw.ad_events order by 1").fetchall() == [
        (1, 1), (2, 1), (5, 2), (6, 2),
    ]  # fmt: skip


def test_a_row_failing_several_checks_is_quarantined_once(con, write):
    text = ad_csv(
        ad_line(event_id="1", Segment="9", created="x", os="windows"), ad_line(event_id="1")
    )
    result = reconciled(con, ingest_file(con, write("many.csv", text), contract="ad_events"))
    assert quarantine(con) == [(2, "segment", "segment: 9 is above the maximum 5")]
    assert result.rows_loaded == 1


# --- mapping ---------------------------------------------------------------------------------


def test_mapping_dict_maps_differently_named_columns(con, write):
    header = AD_HEADER.replace("Segment", "label").replace("created", "ts")
    path = write("m.csv", ad_csv(ad_line(Segment="2"), header=header))
    result = reconciled(
        con,
        ingest_file(con, path, contract="ad_events", mapping={"segment": "label", "created": "TS"}),
    )
    assert result.rows_loaded == 1
    assert con.execute("select segment, created::varchar from raw.ad_events").fetchone() == (
        2,
        "2021-07-05 18:51:35",
    )
    recorded = json.loads(con.execute("select column_mapping from ops.loads").fetchone()[0])
    assert (recorded["segment"], recorded["created"], recorded["os"]) == ("label", "ts", "os")


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"nope": "x"}, "the mapping names nope, which is not a column of contract 'ad_events'"),
        (
            {"segment": "missing_col"},
            "mapping segment=missing_col names a column the file does not have",
        ),
    ],
)
def test_bad_mapping_is_a_clear_error(con, write, mapping, message):
    with pytest.raises(ValueError, match=message):
        ingest_file(con, write("m.csv", ad_csv(ad_line())), contract="ad_events", mapping=mapping)


def run_cli(db: Path, *args: str):
    return CliRunner().invoke(ingest, list(args), obj={"db": str(db), "verbose": False})


@pytest.mark.parametrize(
    "mapping_file",
    ['{"segment": "label", "created": "ts"}', "# exported by BI\nsegment=label\n\ncreated = ts\n"],
    ids=["json", "lines"],
)
def test_cli_mapping_file_and_summary(tmp_path, write, mapping_file):
    header = AD_HEADER.replace("Segment", "label").replace("created", "ts")
    data = write("m.csv", ad_csv(ad_line(), ad_line(event_id="2", os="windows"), header=header))
    mapping = write("map.txt", mapping_file)
    result = run_cli(
        tmp_path / "w.duckdb", str(data), "--contract", "ad_events", "--mapping-file", str(mapping)
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{data}: 2 read, 1 loaded, 1 quarantined -> raw.ad_events (load 1")
    assert "top reasons: os: not one of android, ios (1)" in lines[0]
    assert lines[1] == "total: 1 file(s), 2 read, 1 loaded, 1 quarantined, 0 skipped, 0 failed"
    check = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert check.execute("select count(*) from raw.ad_events").fetchone() == (1,)
    assert check.execute("select step, status from ops.pipeline_runs").fetchall() == [
        ("ingest", "succeeded")
    ]


def test_cli_map_option_skip_and_failure(tmp_path, write):
    header = AD_HEADER.replace("Segment", "label")
    good = write("good.csv", ad_csv(ad_line(), header=header))
    empty = write("empty.csv", b"")
    db = tmp_path / "w.duckdb"
    result = run_cli(db, str(good), str(empty), "--contract", "ad_events", "--map", "segment=label")
    assert result.exit_code == 1
    assert isinstance(result.exception, IngestError)
    assert "1 of 2 files failed" in str(result.exception) and "empty.csv is empty" in str(
        result.exception
    )
    assert f"FAILED: {empty} is empty" in result.output
    again = run_cli(db, str(good), "--contract", "ad_events", "--map", "segment=label")
    assert again.exit_code == 0
    assert "skipped, already loaded into raw.ad_events as load 1" in again.output
    assert run_cli(db, str(good), "--contract", "nope").exit_code == 2
    assert run_cli(db, str(good)).exit_code == 2


# --- same file twice, force, atomicity --------------------------------------------------------


def test_same_file_twice_is_a_no_op_then_force_replaces_it(con, write):
    path = write("ev.csv", ad_csv(ad_line(event_id="1"), ad_line(event_id="2", os="bsd")))
    first = reconciled(con, ingest_file(con, path, contract="ad_events"))
    again = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert again.skipped and again.load_id == first.load_id and again.rows_read == 0
    assert warehouse_counts(con) == (1, 1, 1)
    forced = reconciled(con, ingest_file(con, path, contract="ad_events", force=True))
    assert forced.replaced_load_id == first.load_id and forced.load_id == first.load_id + 1
    assert warehouse_counts(con) == (1, 2, 1)
    assert con.execute(
        "select load_id, status, replaces_load_id from ops.loads order by 1"
    ).fetchall() == [
        (1, "replaced", None),
        (2, "loaded", 1),
    ]
    assert con.execute("select distinct load_id from ops.quarantine").fetchall() == [(2,)]
    other = write("other.csv", ad_csv(ad_line(event_id="3")))
    assert reconciled(con, ingest_file(con, other, contract="ad_events")).rows_loaded == 1
    assert warehouse_counts(con) == (2, 3, 1)


@pytest.mark.slow
def test_load_killed_midway_leaves_the_warehouse_as_it_was(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    reconciled(
        con,
        ingest_file(con, _write(tmp_path / "small.csv", ad_csv(ad_line())), contract="ad_events"),
    )
    before = warehouse_counts(con)
    big = tmp_path / "big.csv"
    con.execute(
        f"""
        copy (
            select i + 10 as event_id, 1 + i % 5 as Segment, 'Games' as gamecategory,
                'Puzzle' as subgamecategory, 'com.app' || (i % 977) as bundle,
                timestamp '2021-07-01' + to_seconds(i % 2000000) as created, 'MSK+2' as shift,
                'Свердловская область' as oblast, 'Екатеринбург' as city, 'android' as os, '11' as osv
            from range(2000000) t(i)
        ) to '{big}' (header)
        """
    )
    con.close()
    script = textwrap.dedent(
        f"""
        import sys
        from warehouse.db import connect
        from warehouse.ingest import ingest_file
        con = connect({str(db)!r})
        print("loading", flush=True)
        ingest_file(con, {str(big)!r}, contract="ad_events")
        print("done", flush=True)
        """
    )
    size_before = db.stat().st_size
    child = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "loading"
    # DuckDB writes the rows of a large insert into the file as it goes (uncommitted):
    # kill the load once the file has grown, i.e. in the middle of writing.
    deadline = time.monotonic() + 60
    while db.stat().st_size <= size_before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert db.stat().st_size > size_before, "the load never started writing"
    assert child.poll() is None, "the load finished before it could be killed; use a bigger file"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reopened = connect(db)
    assert warehouse_counts(reopened) == before
    assert reopened.execute(
        "select count(*) from ops.loads where file_name = 'big.csv'"
    ).fetchone() == (0,)
    # and the warehouse still works: the same file loads in full afterwards
    result = reconciled(reopened, ingest_file(reopened, big, contract="ad_events"))
    assert result.rows_loaded == 2_000_000
    reopened.close()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- Parquet --------------------------------------------------------------------------------


def test_parquet_with_a_bad_row_quarantines_it_by_row_number(con, tmp_path):
    path = tmp_path / "ev.parquet"
    duckdb.sql(
        f"""
        copy (
            select i as event_id, (1 + i % 5)::tinyint as Segment, 'Games' as gamecategory,
                'Puzzle' as subgamecategory, 'com.a' as bundle,
                timestamp '2021-07-05 10:00:00' + to_hours(i) as created,
                case when i = 3 then 'MSK+4' else 'MSK' end as shift, 'Москва' as oblast,
                'Москва' as city, case when i = 3 then 'symbian' else 'ios' end as os, '14' as osv
            from range(1, 6) t(i)
        ) to '{path}' (format parquet)
        """
    )
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert (result.rows_loaded, result.encoding) == (4, None)
    assert quarantine(con) == [(3, "os", "os: 'symbian' is not one of android, ios")]
    assert con.execute("select raw_text from ops.quarantine").fetchone()[0].startswith("3,4,Games,")
    assert con.execute("select event_id, source_line from raw.ad_events order by 1").fetchall() == [
        (1, 1), (2, 2), (4, 4), (5, 5),
    ]  # fmt: skip
    assert reconciled(con, ingest_file(con, path, contract="ad_events")).skipped


# --- as-is tables ------------------------------------------------------------------------


def test_table_load_infers_types_and_appends(con, write):
    first = write("a.csv", "id,score,label,seen\n1,0.5,cat,2021-07-05\n2,1.5,dog,2021-07-06\n")
    result = reconciled(con, ingest_file(con, first, table="my_export"))
    assert result.rows_loaded == 2
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where table_name = 'my_export'"
        ).fetchall()
    )
    assert types == {
        "id": "BIGINT", "score": "DOUBLE", "label": "VARCHAR", "seen": "DATE",
        "load_id": "BIGINT", "source_line": "BIGINT",
    }  # fmt: skip
    second = write("b.csv", "label,id,score,seen\nmaybe,3,2.5,2021-07-07\nx,oops,1,2021-07-08\n")
    appended = reconciled(con, ingest_file(con, second, table="my_export"))
    assert (appended.rows_loaded, appended.rows_quarantined) == (1, 1)
    assert quarantine(con, appended.load_id) == [(3, "id", "id: 'oops' is not BIGINT")]
    assert con.execute("select id, label, load_id, source_line from raw.my_export order by id").fetchall() == [
        (1, "cat", 1, 2), (2, "dog", 1, 3), (3, "maybe", 2, 2),
    ]  # fmt: skip
    comment = con.execute(
        "select comment from duckdb_tables() where table_name = 'my_export'"
    ).fetchone()[0]
    assert "a.csv" in comment


def test_table_load_refuses_different_columns_and_bad_names(con, write):
    reconciled(con, ingest_file(con, write("a.csv", "id,score\n1,2\n"), table="t1"))
    with pytest.raises(ValueError, match="not in the file: score; not in the table: points"):
        ingest_file(con, write("b.csv", "id,points\n1,2\n"), table="t1")
    with pytest.raises(ValueError, match="contract 'ad_events'"):
        ingest_file(con, write("c.csv", "id\n1\n"), table="ad_events")
    with pytest.raises(ValueError, match="must match"):
        ingest_file(con, write("d.csv", "id\n1\n"), table="Bad-Name")
    with pytest.raises(ValueError, match="exactly one"):
        ingest_file(con, write("e.csv", "id\n1\n"), table="t2", contract="ad_events")


def test_table_load_of_parquet_and_a_malformed_csv_line(con, write, tmp_path):
    path = tmp_path / "t.parquet"
    duckdb.sql(
        f"copy (select range as k, range * 2 as v from range(3)) to '{path}' (format parquet)"
    )
    result = reconciled(con, ingest_file(con, path, table="pq"))
    assert con.execute("select k, v, source_line from raw.pq order by k").fetchall() == [
        (0, 0, 1), (1, 2, 2), (2, 4, 3),
    ]  # fmt: skip
    assert result.rows_loaded == 3
    csv_result = reconciled(con, ingest_file(con, write("t.csv", "k,v\n5,6\n7\n8,9\n"), table="pq"))
    assert quarantine(con, csv_result.load_id) == [(3, None, "line has 1 columns, expected 2")]
    assert csv_result.rows_loaded == 2


def test_progress_goes_to_the_callback_only(con, write, capsys):
    path = write("p.csv", ad_csv(ad_line(), ad_line(event_id="2")))
    steps = []
    loaded = reconciled(con, ingest_file(con, path, contract="ad_events", progress=steps.append))
    assert loaded.rows_loaded == 2
    assert ingest_file(con, path, contract="ad_events", progress=steps.append).skipped
    assert steps
    assert capsys.readouterr() == ("", "")
    setting = con.execute("select current_setting('enable_progress_bar')").fetchone()[0]
    assert setting is False


def test_cli_failure_through_portrait_is_one_line_on_stderr(tmp_path):
    from portrait.cli import main

    if "ingest" not in main.commands:  # until portrait.commands lists it
        main.add_command(ingest)
    missing = tmp_path / "missing.csv"
    result = CliRunner().invoke(
        main,
        ["--db", str(tmp_path / "w.duckdb"), "ingest", str(missing), "--contract", "ad_events"],
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"portrait: error: {missing}: no such file"]
    assert f"FAILED: {missing}: no such file" in result.stdout


def test_gzipped_cp1251_and_tab_separated(con, write):
    text = ad_csv(ad_line("\t", city="Пермь"), header=AD_HEADER.replace(",", "\t"))
    path = write("tab.tsv.gz", gzip.compress(text.encode("cp1251")))
    result = reconciled(con, ingest_file(con, path, contract="ad_events"))
    assert (result.encoding, result.rows_loaded) == ("cp1251", 1)
    assert con.execute("select city, source_line from raw.ad_events").fetchone() == ("Пермь", 2)
    forced = ingest_file(con, path, contract="ad_events", delimiter="\\t", force=True)
    assert reconciled(con, forced).replaced_load_id == result.load_id


def test_table_load_same_file_is_skipped_and_force_replaces(con, write):
    path = write("t.csv", "k,v\n1,a\n2,b\n")
    first = reconciled(con, ingest_file(con, path, table="kv"))
    assert ingest_file(con, path, table="kv").skipped
    forced = reconciled(con, ingest_file(con, path, table="kv", force=True))
    assert forced.replaced_load_id == first.load_id
    assert con.execute("select k, v, load_id from raw.kv order by k").fetchall() == [
        (1, "a", forced.load_id),
        (2, "b", forced.load_id),
    ]
