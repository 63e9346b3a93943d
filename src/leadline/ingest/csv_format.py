"""A documented CSV layout: its columns, the schema its valid rows take, its blank template."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from leadline.ingest.values import Column

__all__ = ["EXTRA_COLUMN", "ROW_COLUMN", "CsvFormat"]

EXTRA_COLUMN = "extra"
ROW_COLUMN = "_row"


@dataclass(frozen=True)
class CsvFormat:
    """A documented CSV layout; ``template()`` gives the blank file users start from."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        fields = [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns]
        return pa.schema(
            [
                *fields,
                pa.field(EXTRA_COLUMN, pa.string()),
                pa.field(ROW_COLUMN, pa.int64(), nullable=False),
            ]
        )

    def template(self) -> str:
        lines = [
            f"# {self.description}",
            "# Columns (a header row is required; extra columns "
            "are kept; lines starting with # are ignored):",
        ]
        for c in self.columns:
            need = "required" if c.required else "optional"
            allowed = f"; one of {', '.join(c.choices)}" if c.choices else ""
            example = f"; e.g. {c.example}" if c.example else ""
            lines.append(f"#   {c.name}: {c.type}, {need}. {c.description}{allowed}{example}")
        lines.append(",".join(c.name for c in self.columns))
        return "\n".join(lines) + "\n"
