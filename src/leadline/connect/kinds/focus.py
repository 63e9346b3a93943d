"""``focus``: the FOCUS cost exports a cloud drops in a directory (``--path``) or an
S3-compatible bucket prefix (``--url s3://BUCKET/PREFIX``, ``--endpoint-url`` for MinIO, R2,
Ceph...), landed one object per batch through the ``focus`` ingest source, exactly as
``leadline ingest focus FILE`` lands the same file.

New objects only: each object landed keeps a cursor (stream ``object:<key>``) with its ETag
(S3) or size and modification time (a directory), so a run lands the objects it has not seen
and those rewritten since (clouds restate the current month's bill by rewriting its file; the
focus source replaces a restated bill, so nothing is counted twice); objects are landed oldest
first. Exports are ``.csv``, ``.csv.gz`` and ``.parquet`` files (manifests and other files are
skipped). An S3 run lists the prefix with ``ListObjectsV2`` (1,000 keys a request): a run with
nothing new costs one request. Credentials come from boto3's usual chain (environment,
profile, instance role), never from the connection store; boto3 is the optional extra
``leadline[s3]``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from leadline.connect.client import ApiClient
from leadline.connect.kinds.base import (
    ConnectionProblem,
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    register_kind,
)

SOURCE = "focus"
EXPORTS = (".csv", ".csv.gz", ".parquet")
SCOPES = (
    "S3: s3:ListBucket on the bucket (narrowed to the prefix with an `s3:prefix` "
    "condition) and s3:GetObject on `BUCKET/PREFIX*`, nothing else; the credentials come "
    "from boto3's chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, an "
    "instance or pod role). A directory: read access for the user running leadline."
)


@dataclass(frozen=True)
class Export:
    """One export object: its key (path under the root), version and age."""

    key: str
    version: str  # S3 ETag and size, or a file's size and modification time
    modified: dt.datetime


@register_kind
class FocusKind:
    name = "focus"
    summary = "FOCUS cost exports dropped in a directory or an S3-compatible bucket prefix"
    options = (
        KindOption("path", "A directory the exports are dropped in (read recursively)."),
        KindOption("url", "s3://BUCKET/PREFIX where the cloud drops its exports."),
        KindOption("endpoint-url", "An S3-compatible endpoint (MinIO, R2...); default AWS."),
        KindOption("region", "The bucket's region (default: boto3's)."),
        KindOption(
            "partial",
            "Accept exports lacking some FOCUS mandatory columns (as ingest focus --partial).",
            flag=True,
        ),
        KindOption("currency", "ISO 4217 currency of --partial exports without BillingCurrency."),
    )
    scopes_doc = SCOPES
    needs_token = False

    def check(self, options: Mapping[str, Any]) -> list[str]:
        path, url = options.get("path"), options.get("url")
        if bool(path) == bool(url):
            return ["focus needs exactly one of --path DIRECTORY or --url s3://BUCKET/PREFIX"]
        if url and (urlparse(str(url)).scheme != "s3" or not urlparse(str(url)).netloc):
            return [f"--url {url!r} is not s3://BUCKET/PREFIX"]
        return []

    def client(self, conn: ConnectionSpec) -> ApiClient | None:
        return None  # a directory, or boto3's own client

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        problems = self.check(conn.options)
        if problems:
            raise ConnectionProblem(f"connection {conn.name!r}: {problems[0]}")
        options: dict[str, Any] = {}
        if conn.option("partial"):
            options["partial"] = True
        if conn.option("currency"):
            options["currency"] = str(conn.option("currency"))
        store: Directory | Bucket
        if conn.option("path"):
            store = Directory(Path(str(conn.option("path"))).expanduser())
        else:
            store = Bucket(conn)
        for export in store.exports():
            if since is not None and export.modified < since:
                continue
            stream = f"object:{export.key}"
            known = cursors.get(stream) or {}
            if not full and known.get("version") == export.version:
                continue
            update = {stream: {"version": export.version, "modified": _iso(export.modified)}}
            with store.local(export) as path:
                yield Pull(
                    SOURCE, paths=[path], cursor_updates=update, options=options, label=export.key
                )


def is_export(key: str) -> bool:
    return key.lower().endswith(EXPORTS)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Directory:
    """Exports under a local directory; landed in place."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise ConnectionProblem(f"{root} is not a directory")
        self.root = root

    def exports(self) -> list[Export]:
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and is_export(path.name):
                stat = path.stat()
                modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
                key = path.relative_to(self.root).as_posix()
                found.append(Export(key, f"{stat.st_size}:{stat.st_mtime_ns}", modified))
        return sorted(found, key=lambda e: (e.modified, e.key))

    def local(self, export: Export) -> _Here:
        return _Here(self.root / export.key)


class _Here:
    """A context giving a path that is already local."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *_exc: object) -> None:
        return None


class Bucket:
    """Exports under an S3 prefix, each downloaded to a temporary directory while it lands."""

    def __init__(self, conn: ConnectionSpec) -> None:
        parsed = urlparse(str(conn.option("url")))
        self.bucket, self.prefix = parsed.netloc, parsed.path.lstrip("/")
        self.s3 = s3_client(conn.option("endpoint-url"), conn.option("region"))

    def exports(self) -> list[Export]:
        found = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])
                if is_export(key):
                    version = f"{str(item.get('ETag', '')).strip(chr(34))}:{item.get('Size')}"
                    modified = item["LastModified"].astimezone(dt.UTC)
                    found.append(Export(key, version, modified))
        return sorted(found, key=lambda e: (e.modified, e.key))

    def local(self, export: Export) -> _Downloaded:
        return _Downloaded(self, export)


class _Downloaded:
    """The object downloaded under its own file name, removed once it has landed."""

    def __init__(self, bucket: Bucket, export: Export) -> None:
        self.bucket, self.export = bucket, export
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        self._folder = tempfile.TemporaryDirectory(prefix="leadline-focus-")
        path = Path(self._folder.name) / PurePosixPath(self.export.key).name
        # one GET, streamed to disk (download_file would first ask a HEAD)
        answer = self.bucket.s3.get_object(Bucket=self.bucket.bucket, Key=self.export.key)
        with path.open("wb") as handle:
            shutil.copyfileobj(answer["Body"], handle, length=1 << 20)
        return path

    def __exit__(self, *_exc: object) -> None:
        if self._folder is not None:
            self._folder.cleanup()


def s3_client(endpoint_url: str | None, region: str | None) -> Any:
    """A boto3 S3 client (path-style addressing, which S3-compatible stores expect)."""
    try:
        import boto3  # type: ignore[import-untyped,unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ConnectionProblem(
            "reading a bucket needs boto3: pip install 'leadline[s3]'"
        ) from None
    config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard"})
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region, config=config)
