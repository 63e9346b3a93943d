"""The xdist scopes of ``make test`` (tests/scheduling.py)."""

from __future__ import annotations

from tests.scheduling import COST, SPLIT, cost_of, scope_of


def test_spark_tests_share_one_scope_and_modules_keep_theirs() -> None:
    assert scope_of("tests/finops/test_showback_spark.py::test_x") == "spark"
    assert scope_of("tests/lake/test_conformance.py::test_y[duckdb]") == "spark"
    assert scope_of("tests/delivery/test_report.py::test_z") == "tests/delivery/test_report.py"


def test_a_split_module_spreads_its_tests_over_its_parts_stably() -> None:
    module = "tests/web/test_site.py"
    ids = [f"{module}::test_page_fits_reads_and_passes_axe[/page-{i}]" for i in range(30)]
    scopes = [scope_of(i) for i in ids]
    assert scopes == [scope_of(i) for i in ids]  # the same on every worker
    assert set(scopes) == {f"{module}@{part}" for part in range(SPLIT[module])}


def test_costs_order_the_long_scopes_first() -> None:
    assert cost_of("spark", 40) == COST["spark"]
    assert cost_of("tests/web/test_surfaces.py@1", 5) == COST["tests/web/test_surfaces.py"] / 2
    assert cost_of("tests/people/test_unknown.py", 10) == 5.0
    assert cost_of("spark", 40) > cost_of("tests/web/test_schema.py", 4) > cost_of("tests/x.py", 8)
