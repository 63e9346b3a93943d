"""Schemathesis against the published OpenAPI spec (ASGI, in process) over a copy of the small
demo, as an admin with read and write scopes: no generated request may get a 5xx answer."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from leadline.context import App
from tests.conftest import make_settings
from tests.web.support import token_for

EXAMPLES = 6


@pytest.fixture(scope="module")
def api_schema(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from leadline.web.app import create_app

    home = tmp_path_factory.mktemp("schema") / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("demo-sources"))
    config = make_settings(home)
    app = App(config)
    token = token_for(app, "ada", ["read", "write"])
    app.close()
    schema = schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json", create_app(config, background=False)
    )
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    yield schema


def test_no_server_errors(api_schema: Any) -> None:
    failures: list[str] = []
    answered: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call()
            answered[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: {response.status_code} "
                    f"{response.text[:300]}"
                )

        check()
    assert failures == []
    assert answered[200] >= len(operations), answered  # authenticated, not all refused
