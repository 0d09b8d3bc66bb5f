"""Row counts added to dbt's events once dbt has exited (transform/row_counts.py)."""

from __future__ import annotations

import dagster as dg
import duckdb

from dtm_platform.transform.row_counts import ROW_COUNT, with_row_counts


def node(schema: str, name: str, materialized: str, alias: str | None = None) -> dict:
    # relation_name names the catalog of the warehouse the manifest was parsed against
    return {
        "schema": schema,
        "name": name,
        "alias": alias or name,
        "config": {"materialized": materialized},
        "relation_name": f'"parsed_elsewhere"."{schema}"."{alias or name}"',
    }


MANIFEST = {
    "nodes": {
        "model.p.stg_a": node("staging", "stg_a", "table"),
        "seed.p.ref_b": node("reference", "ref_b", "seed", alias="ref_b"),
        "model.p.v_c": node("staging", "v_c", "view"),
        "model.p.gone": node("staging", "gone", "table"),
    }
}


def test_tables_and_seeds_get_their_row_count_views_and_other_events_pass_unchanged(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging; create schema reference")
        con.execute("create table staging.stg_a as select * from range(7)")
        con.execute("create table reference.ref_b as select * from range(3)")
        con.execute("create view staging.v_c as select * from range(2)")
    check = dg.AssetCheckResult(asset_key="staging/stg_a", check_name="not_null", passed=True)
    events = [
        dg.Output(None, "stg_a", metadata={"unique_id": "model.p.stg_a", "status": "success"}),
        check,
        dg.Output(None, "ref_b", metadata={"unique_id": "seed.p.ref_b"}),
        dg.Output(None, "v_c", metadata={"unique_id": "model.p.v_c"}),
        dg.Output(None, "gone", metadata={"unique_id": "model.p.gone"}),  # its table was never built
    ]

    out = list(with_row_counts(events, MANIFEST, warehouse))

    assert [type(e) for e in out] == [type(e) for e in events]  # same events, same order
    assert out[0].metadata[ROW_COUNT].value == 7
    assert out[0].metadata["status"].value == "success"  # dbt's own metadata kept
    assert out[1] is check
    assert out[2].metadata[ROW_COUNT].value == 3
    assert ROW_COUNT not in out[3].metadata  # a view would be queried, not counted
    assert ROW_COUNT not in out[4].metadata


def test_a_warehouse_that_cannot_be_opened_costs_the_counts_not_the_events(tmp_path):
    events = [dg.Output(None, "stg_a", metadata={"unique_id": "model.p.stg_a"})]
    out = list(with_row_counts(events, MANIFEST, tmp_path / "missing" / "warehouse.duckdb"))
    assert len(out) == 1 and ROW_COUNT not in out[0].metadata
