import re

from dashboard.report import write_report
from warehouse.db import connect
from warehouse.publish import publish


def test_report_is_self_contained_and_small(serving_path, tmp_path):
    out = write_report(serving_path, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 10 * 1024 * 1024
    assert not re.findall(r"<script[^>]+src=", html)
    assert not re.findall(r"<link[^>]+href=\"?https?:", html)
    for section in (
        "Warehouse",
        "Audience explorer",
        "Clusters and segment coverage",
        "Segment model quality",
        "What drives the segment model",
        "Churn",
    ):
        assert section in html
    assert "xf-segment" in html  # the in-browser cross-filter's data


def test_report_of_an_empty_warehouse_says_what_to_run(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    snapshot = publish(con)
    con.close()
    html = write_report(snapshot, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "portrait train segment" in html and "portrait train clusters" in html


def test_report_for_a_run_that_does_not_exist_fails_clearly(serving_path, tmp_path):
    import pytest

    with pytest.raises(ValueError, match="nope"):
        write_report(serving_path, tmp_path / "r.html", run_id="nope")
