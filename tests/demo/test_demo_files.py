"""The demo's delivery and reliability files are written as they are generated (the large demo
has millions of samples) yet stay byte for byte what the seed always gave."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from leadline.demo.delivery import write_delivery
from leadline.demo.generator import OrganisationBuilder
from leadline.demo.reliability import as_of_instant, demo_slos, sli_parts, write_reliability

AS_OF = dt.date(2026, 11, 25)
# Digest of the small demo's (seed 1, as of 2026-11-25) delivery/ and reliability/ files as the
# generator wrote them (last meant change: issue 17 item 3, GitHub services' changes arrive as
# pull requests opened, reviewed and merged, from their own random streams). If a change to the
# demo is meant, update it; otherwise the demo's content changed by accident.
SMALL_SEED1_DIGEST = "b93e4122a34f159ecf6cc404cfcdecf830ca24219b6f4a91e8421041ca8624b4"


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    paths = [*(root / "delivery").rglob("*"), *(root / "reliability").rglob("*")]
    for path in sorted(p.relative_to(root) for p in paths if p.is_file()):
        content = hashlib.sha256((root / path).read_bytes()).digest()
        digest.update(path.as_posix().encode() + b"\0" + content)
    return digest.hexdigest()


def test_small_demo_delivery_and_reliability_files_are_unchanged(tmp_path: Path) -> None:
    org = OrganisationBuilder(1, "small", AS_OF).build()
    _, incidents = write_delivery(org, 1, "small", tmp_path / "delivery")
    write_reliability(org, incidents, tmp_path / "reliability", 1)
    assert _digest(tmp_path) == SMALL_SEED1_DIGEST


def test_samples_written_as_generated_equal_one_whole_table(tmp_path: Path) -> None:
    """sli.csv, written one SLO at a time, is the file one write of all samples gives."""
    org = OrganisationBuilder(2, "small", AS_OF).build()
    _, incidents = write_delivery(org, 2, "small", tmp_path / "delivery")
    write_reliability(org, incidents, tmp_path / "reliability", 2)
    end = as_of_instant(AS_OF)  # a past as-of day: its end
    whole = pa.concat_tables(sli_parts(demo_slos(org), incidents, end, 2))
    options = pacsv.WriteOptions(include_header=True, quoting_style="none")
    pacsv.write_csv(whole, tmp_path / "whole.csv", options)
    streamed = (tmp_path / "reliability" / "sli.csv").read_bytes()
    assert streamed == (tmp_path / "whole.csv").read_bytes()
    assert whole.num_rows > 100_000
