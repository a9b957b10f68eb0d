import duckdb
import pytest

from dashboard.filters import DIMENSIONS, GRIDS


def raw_count(serving_path, where: str = "true") -> int:
    warehouse = serving_path.with_name("portrait.duckdb")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select count(*) from features.ad_events where {where}").fetchone()[0]
    finally:
        con.close()


def test_cube_holds_every_event_once(store, serving_path):
    for dimension in DIMENSIONS:
        assert store.dimension_counts(dimension).get_column("events").sum() == raw_count(
            serving_path
        )


def test_high_cardinality_dimensions_are_top_n_plus_other(store):
    bundles = store.domain("bundle_group")
    assert "other" in bundles and len(bundles) == 16


@pytest.mark.parametrize(
    ("dimension", "selection", "where"),
    [
        ("segment", ["3"], "segment = 3"),
        ("local_hour", (18, 23), "local_hour between 18 and 23"),
        ("local_weekday", [6, 7], "local_weekday in (6, 7)"),
        ("gamecategory", ["Puzzle", "Casual"], "gamecategory in ('Puzzle', 'Casual')"),
    ],
)
def test_selection_filters_other_views_not_its_own(
    store, serving_path, dimension, selection, where
):
    own_before = store.dimension_counts(dimension)
    store.set_selection(dimension, selection)
    other = "cluster" if dimension != "cluster" else "segment"
    assert store.dimension_counts(other).get_column("events").sum() == raw_count(
        serving_path, where
    )
    assert store.dimension_counts(dimension).equals(own_before)
    assert store.selected_events() == (raw_count(serving_path, where), raw_count(serving_path))
    store.reset()
    assert store.filters == {}
    assert store.selected_events()[0] == raw_count(serving_path)


def test_two_sessions_keep_their_own_filters(serving_path):
    from dashboard.serving import serving_db
    from dashboard.store import DataStore

    first, second = DataStore(serving_db(serving_path)), DataStore(serving_db(serving_path))
    first.set_selection("segment", ["1"])
    assert second.filters == {}
    assert first.selected_events()[0] < second.selected_events()[0]


def test_shap_for_selection_follows_filters(store):
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    everything = store.shap_for_selection(run_id)
    store.set_selection("segment", ["3"])
    chosen = store.shap_for_selection(run_id)
    assert chosen.get_column("rows").max() < everything.get_column("rows").max()
    assert set(chosen.get_column("class_label")) == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize("dimension", ["segment", "cluster"])
def test_shap_by_group_groups_by_the_chosen_dimension(store, dimension):
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    params = {"run_id": run_id, "class_label": "3", "dimension": dimension}
    by_group = store.query("dashboard_shap_by_group", params)
    cube = store.serving.table("marts.shap_cube").filter(run_id=run_id, class_label="3")
    assert set(by_group.get_column("grp")) == set(cube.get_column(dimension))
    assert by_group.get_column("rows").sum() == cube.get_column("rows").sum()


@pytest.mark.parametrize(
    "selections",
    [
        {},
        {"segment": ["3", "4"], "local_hour": (8, 20)},
        {"cluster": ["1"], "local_weekday": [6, 7], "gamecategory": ["Puzzle"]},
        {"segment": ["unlabeled"], "predicted_segment": ["3"]},
        {"hour_weekday": [(8, 1), (9, 1), (20, 6)], "segment": ["3", "5"]},
        {"hour_weekday": [(h, d) for h in range(6, 14) for d in (3, 4, 5)], "local_hour": (8, 20)},
    ],
)
def test_coded_single_statement_matches_text_cube(store, selections):
    # Independent path: the readable cube, text values, one query per view.
    for dimension, selection in selections.items():
        store.set_selection(dimension, selection)
    for dimension in DIMENSIONS:
        clause, params = store.where(exclude=dimension)
        expected = store.query(
            "dashboard_dimension_counts", params, dimension=dimension, where=clause
        )
        got = store.dimension_counts(dimension)
        assert dict(got.iter_rows()) == {
            (int(v) if dimension in ("local_hour", "local_weekday") else v): e
            for v, e in expected.iter_rows()
        }
    clause, params = store.where()
    total = store.query("dashboard_selection_total", params, where=clause).item()
    assert store.selected_events()[0] == total


def test_grid_counts_every_event_in_its_cell(store, serving_path):
    cells = store.grid_counts("hour_weekday")
    assert cells.columns == ["local_hour", "local_weekday", "events"]
    assert cells.get_column("events").sum() == raw_count(serving_path)
    first = cells.row(0, named=True)
    where = f"local_hour = {first['local_hour']} and local_weekday = {first['local_weekday']}"
    assert first["events"] == raw_count(serving_path, where)


def test_a_lasso_of_cells_filters_the_other_views_not_its_own(store, serving_path):
    grid_before = store.grid_counts("hour_weekday")
    cells = [(8, 1), (9, 1), (20, 6), (21, 7)]
    store.set_selection("hour_weekday", cells)
    where = "local_hour * 256 + local_weekday in ({})".format(
        ", ".join(str(h * 256 + d) for h, d in cells)
    )
    for dimension in ("segment", "local_hour", "local_weekday"):
        assert store.dimension_counts(dimension).get_column("events").sum() == raw_count(
            serving_path, where
        )
    assert store.grid_counts("hour_weekday").equals(grid_before)
    assert store.describe_filters() == ["Hour × weekday: 4 cells"]
    # Another view's selection filters the grid.
    store.set_selection("segment", ["3"])
    assert store.grid_counts("hour_weekday").get_column("events").sum() == raw_count(
        serving_path, "segment = 3"
    )
    assert store.selected_events()[0] == raw_count(serving_path, f"segment = 3 and {where}")
    assert set(store.refresh_views()) == {*DIMENSIONS, *GRIDS, "_total"}
    store.reset()
    assert store.selected_events()[0] == raw_count(serving_path)
