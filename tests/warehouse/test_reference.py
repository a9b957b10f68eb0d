"""The shipped regions and cities, load_reference, and users' enrichment tables."""

from __future__ import annotations

import csv

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse.db import connect
from warehouse.reference import (
    CITIES_CSV,
    REGIONS_CSV,
    cities_table,
    load_enrichment,
    load_reference,
    regions_table,
)


def _rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture()
def con(tmp_path):
    connection = connect(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture()
def loaded(con):
    load_reference(con)
    return con


def test_regions_csv_has_the_columns_of_ref_regions(con):
    table_columns = [
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'ref' and table_name = 'regions' order by column_index"
        ).fetchall()
    ]
    with open(REGIONS_CSV, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == table_columns


def test_every_federal_subject_once():
    regions = _rows(REGIONS_CSV)
    names = [r["region"] for r in regions]
    assert len(names) == 85
    assert len(set(names)) == 85
    assert {"Москва", "Санкт-Петербург", "Севастополь", "Республика Крым"} <= set(names)
    districts = {r["federal_district"] for r in regions}
    assert len(districts) == 8
    total = sum(int(r["population"]) for r in regions)
    assert 140_000_000 < total < 150_000_000


@pytest.mark.parametrize(
    ("region", "offset"),
    [
        ("Москва", 0),
        ("Калининградская область", -1),
        ("Самарская область", 1),
        ("Удмуртская Республика", 1),
        ("Волгоградская область", 0),
        ("Свердловская область", 2),
        ("Республика Башкортостан", 2),
        ("Омская область", 3),
        ("Новосибирская область", 4),
        ("Красноярский край", 4),
        ("Иркутская область", 5),
        ("Республика Саха (Якутия)", 6),
        ("Забайкальский край", 6),
        ("Приморский край", 7),
        ("Еврейская автономная область", 7),
        ("Магаданская область", 8),
        ("Сахалинская область", 8),
        ("Камчатский край", 9),
        ("Чукотский автономный округ", 9),
    ],
)
def test_moscow_offsets(region, offset):
    offsets = {r["region"]: int(r["msk_offset_hours"]) for r in _rows(REGIONS_CSV)}
    assert offsets[region] == offset


def test_salary_rank_follows_salary():
    regions = _rows(REGIONS_CSV)
    salaries = [int(r["avg_salary_rub"]) for r in regions]
    for row, salary in zip(regions, salaries, strict=True):
        assert int(row["salary_rank"]) == 1 + sum(other > salary for other in salaries)
    top = min(regions, key=lambda r: int(r["salary_rank"]))
    assert int(top["avg_salary_rub"]) == max(salaries)


def test_cities_cover_every_capital_and_only_known_regions():
    regions = _rows(REGIONS_CSV)
    cities = _rows(CITIES_CSV)
    pairs = {(c["city"], c["region"]) for c in cities}
    assert all((r["capital"], r["region"]) in pairs for r in regions)
    assert {c["region"] for c in cities} <= {r["region"] for r in regions}
    assert len({c["city"] for c in cities}) == len(cities)
    assert 140 <= len(cities) <= 180
    assert all(int(c["population"]) > 0 for c in cities)


def test_arrow_readers_type_the_columns():
    assert regions_table().schema.field("msk_offset_hours").type == pa.int8()
    assert cities_table().num_rows == len(_rows(CITIES_CSV))


def test_load_reference_fills_and_reruns_without_duplicates(con):
    first = load_reference(con)
    second = load_reference(con)
    assert first == second == {"ref.regions": 85, "ref.cities": len(_rows(CITIES_CSV))}
    distinct = con.execute("select count(distinct region) from ref.regions").fetchone()[0]
    assert distinct == 85
    moscow = con.execute(
        "select msk_offset_hours, salary_rank from ref.regions where region = 'Москва'"
    ).fetchone()
    assert moscow[0] == 0 and moscow[1] <= 5


def test_load_enrichment_csv_reports_unmatched_regions(loaded, tmp_path):
    path = tmp_path / "budgets.csv"
    path.write_text(
        "Регион,budget\nМосква,100\nРеспублика Татарстан,40\nМосковская обл.,70\nМосковская обл.,5\n,1\n",
        encoding="utf-8",
    )
    result = load_enrichment(loaded, path, "ad_budget", "Регион", "region")
    assert result.table == "ref.ad_budget"
    assert result.rows == 5
    assert result.unmatched_values == ["Московская обл."]
    assert result.unmatched_rows == 2
    assert result.null_rows == 1
    assert not result.fully_matched
    joined = loaded.execute(
        'select sum(budget) from ref.ad_budget b join ref.regions r on r.region = b."Регион"'
    ).fetchone()[0]
    assert joined == 140
    assert loaded.execute("select * from ref.user_tables").fetchall() == [
        ("ad_budget", "Регион", "region", 0)
    ]
    comment = loaded.execute(
        "select comment from duckdb_tables() where schema_name = 'ref' and table_name = 'ad_budget'"
    ).fetchone()[0]
    assert "budgets.csv" in comment


def test_load_enrichment_replaces_and_joins_cities_from_parquet(loaded, tmp_path):
    path = tmp_path / "prices.parquet"
    pq.write_table(
        pa.table({"city": ["Казань", "Сочи", "Урюпинск"], "index": [1.0, 1.2, 0.8]}), path
    )
    load_enrichment(loaded, path, "prices", "city", "city", load_id=7)
    result = load_enrichment(loaded, path, "prices", "city", "city", load_id=8)
    assert result.unmatched_values == ["Урюпинск"]
    assert loaded.execute("select count(*) from ref.prices").fetchone()[0] == 3
    assert loaded.execute("select load_id from ref.user_tables").fetchall() == [(8,)]


@pytest.mark.parametrize(
    ("table_name", "join_column", "joins_on", "message"),
    [
        ("Bad-Name", "region", "region", "table name"),
        ("1st", "region", "region", "table name"),
        ("regions", "region", "region", "shipped"),
        ("fine", "region", "country", "joins_on"),
        ("fine", "oblast", "region", "oblast"),
    ],
)
def test_load_enrichment_rejects_bad_arguments(
    loaded, tmp_path, table_name, join_column, joins_on, message
):
    path = tmp_path / "data.csv"
    path.write_text("region,value\nМосква,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_enrichment(loaded, path, table_name, join_column, joins_on)
    assert loaded.execute("select count(*) from ref.user_tables").fetchone()[0] == 0
