"""What a click on a table's header sorts by (``Table.sort_value``, the cells' ``data-sort``):
the value, not its formatted text, so money, counts and dates sort as such; a RAG column by
severity, worst first; an absent value empty (the browser puts it last either way). The
browser behaviour itself is in ``test_browser.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leadline.present.model import Column, Report
from leadline.webkit.viewdata import Table


def _table() -> Table:
    report = Report(
        name="t",
        title="T",
        columns=[
            Column("team", "Team"),
            Column("cost", "Cost", kind="money", currency="EUR"),
            Column("on", "On", kind="date"),
            Column("status", "Status"),
            Column("met", "Met", kind="bool"),
        ],
        rows=[],
    )
    return Table("t", report, rag={"status": {"green": "green", "red": "red", "n/a": "grey"}})


def test_money_sorts_by_its_value_not_its_grouped_text() -> None:
    table = _table()
    values = [Decimal("1200.00"), Decimal("950.5"), Decimal("10000")]
    keys = [table.sort_value("cost", {"cost": v}) for v in values]
    assert sorted(keys, key=float) == ["950.5", "1200.00", "10000"]
    assert "," not in "".join(keys)


def test_dates_sort_as_iso_and_booleans_as_numbers() -> None:
    table = _table()
    assert table.sort_value("on", {"on": dt.date(2026, 3, 9)}) == "2026-03-09"
    assert table.sort_value("on", {"on": dt.datetime(2026, 3, 9, 7, 5)}) == "2026-03-09T07:05:00"
    assert table.sort_value("met", {"met": True}) == "1"
    assert table.sort_value("met", {"met": False}) == "0"


def test_a_rag_column_sorts_worst_first() -> None:
    table = _table()
    order = sorted(["green", "n/a", "red"], key=lambda s: table.sort_value("status", {"status": s}))
    assert order == ["red", "green", "n/a"]


def test_an_absent_value_is_empty() -> None:
    table = _table()
    assert table.sort_value("cost", {"cost": None}) == ""
    assert table.sort_value("cost", {}) == ""
    assert table.sort_value("team", {"team": "payments"}) == "payments"
