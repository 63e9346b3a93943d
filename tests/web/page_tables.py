"""Reading a rendered page back as a person sees it: its tiles and its tables (column titles,
cell texts and the RAG status a cell is coloured with), with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ShownTable:
    name: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    statuses: list[list[str | None]] = field(default_factory=list)  # rag-<status> of each cell

    def column(self, title: str) -> list[str]:
        index = self.headers.index(title)
        return [row[index] for row in self.rows]

    def status(self, title: str) -> list[str | None]:
        index = self.headers.index(title)
        return [row[index] for row in self.statuses]


@dataclass
class ShownTile:
    title: str = ""
    value: str = ""
    window: str = ""
    rag: str = ""  # the words beside the colour
    status: str | None = None
    trend: str = ""  # "▲ +1.2 pp vs previous 90 days (better)"
    judged: str | None = None  # trend-<judgement> of the trend line: better, worse, flat, none


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, ShownTable] = {}
        self.tiles: list[ShownTile] = []
        self._table: ShownTable | None = None
        self._cell: list[str] | None = None
        self._cell_status: str | None = None
        self._row: list[str] | None = None
        self._row_status: list[str | None] = []
        self._tile: ShownTile | None = None
        self._tile_part: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "section" and (found.get("aria-labelledby") or "").startswith("t-"):
            name = (found["aria-labelledby"] or "")[2:]
            self._table = self.tables.setdefault(name, ShownTable(name))
        elif tag == "tr" and self._table is not None:
            self._row, self._row_status = [], []
        elif tag in ("th", "td") and self._row is not None:
            self._cell, self._cell_status = [], None
        elif tag == "span" and self._cell is not None:
            rag = [c[4:] for c in classes if c.startswith("rag-") and c != "rag-badge"]
            self._cell_status = rag[0] if rag else self._cell_status
        elif tag == "div" and "kpi" in classes:
            status = [c[4:] for c in classes if c.startswith("rag-")]
            self._tile = ShownTile(status=status[0] if status else None)
            self.tiles.append(self._tile)
        elif tag == "div" and self._tile is not None:
            part = {
                "kpi-title": "title",
                "value": "value",
                "window": "window",
                "rag": "rag",
                "trend": "trend",
            }
            self._tile_part = next((part[c] for c in classes if c in part), None)
            judged = [c[6:] for c in classes if c.startswith("trend-")]
            self._tile.judged = judged[0] if judged else self._tile.judged

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row_status.append(self._cell_status)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if not self._table.headers:  # the head's row comes first
                self._table.headers = self._row
            else:
                self._table.rows.append(self._row)
                self._table.statuses.append(self._row_status)
            self._row = None
        elif tag == "section":
            self._table = None
        elif tag == "div" and self._tile is not None:
            if self._tile_part is not None:
                self._tile_part = None
            else:
                self._tile = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._tile is not None and self._tile_part is not None:
            old = getattr(self._tile, self._tile_part)
            setattr(self._tile, self._tile_part, " ".join((old + data).split()))


def read_page(html: str) -> tuple[dict[str, ShownTable], list[ShownTile]]:
    """The page's tables by name (``t-NAME``) and its tiles, in order."""
    reader = _Reader()
    reader.feed(html)
    return reader.tables, reader.tiles
