"""The lake's commit log: a Parquet file is part of a table only once it is listed here.

Listing files in the store makes a batch that spans many partitions land atomically with its
batch record, gives readers a consistent snapshot, and works on object storage too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, UTCDateTime


class LakeFile(Base):
    __tablename__ = "lake_file"
    __table_args__ = (Index("ix_lake_file_table_partition", "table_name", "partition"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(128))
    partition: Mapped[str] = mapped_column(String(16))  # YYYY-MM
    path: Mapped[str] = mapped_column(String(1024), unique=True)  # relative to the lake root
    rows: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_batch.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
