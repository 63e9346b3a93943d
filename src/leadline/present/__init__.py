"""The one presentation model: typed report columns and the renderers every surface uses."""

from leadline.present.formats import ABSENT, cell, minor_units, money, number
from leadline.present.model import Column, Kind, Report, humanise, infer
from leadline.present.render import cells, document, escape_formula, rich_table, to_csv, to_json

__all__ = [
    "ABSENT",
    "Column",
    "Kind",
    "Report",
    "cell",
    "cells",
    "document",
    "escape_formula",
    "humanise",
    "infer",
    "minor_units",
    "money",
    "number",
    "rich_table",
    "to_csv",
    "to_json",
]
