"""Peak memory of ingest on the worst inputs the limits allow (issue 16, "bounded memory").

Each case runs in a fresh subprocess: build the input, ingest it into a fresh home, and report
the process's peak resident set (``ru_maxrss``) against its resident set just before the ingest
(imports and store), with the wall time and how the file ended (landed, rejected rows, refused).

    .venv/bin/python benchmarks/hostile.py            # every case
    .venv/bin/python benchmarks/hostile.py alias-bomb # one
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CASES = {
    # 30**4 = 810,000 leaves, about 838,000 nodes: just under ingest.yaml_max_nodes (1,000,000)
    "alias-bomb": ("okrs-yaml", "bomb.yaml"),
    # nested 99 levels deep: just under ingest.max_nesting_depth (100)
    "deep-yaml": ("okrs-yaml", "deep.yaml"),
    # one document of 16.7 MB: just under ingest.yaml_max_document_bytes (16 MiB), values of
    # 10,000 characters (ingest.max_text_chars)
    "big-yaml": ("strategy-yaml", "big.yaml"),
    # 25 MB of GitHub deliveries (web.max_body_mb for one request), read whole
    "ndjson-25mb": ("github", "deliveries.ndjson"),
    # 200,000 deployments (20 MB), streamed
    "csv-200k": ("deployments-csv", "deployments.csv"),
    # 2,000 rows of 10,000-character text (ingest.max_text_chars) and 2,000 rows past it
    "csv-long-text": ("risks-csv", "risks.csv"),
    # one JSON cell nested 99 levels deep per row, 50,000 rows
    "csv-deep-json": ("ledger-csv", "ledger.csv"),
}


def _write(case: str, path: Path) -> None:
    if case == "alias-bomb":
        lines = ["l0: &l0 [" + ", ".join(["x"] * 30) + "]"]
        for level in range(1, 4):
            lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 30) + "]")
        path.write_text("\n".join(lines) + "\n")
    elif case == "deep-yaml":
        path.write_text("a: " + "[" * 98 + "1" + "]" * 98 + "\n")
    elif case == "big-yaml":
        value = "v" * 10_000
        items = "".join(f"  k{i}: {value}\n" for i in range(1670))
        path.write_text("apiVersion: leadline.io/v1\nkind: Strategy\nmetadata:\n" + items)
    elif case == "ndjson-25mb":
        body = {
            "ref": "refs/heads/main",
            "after": "a" * 40,
            "repository": {"full_name": "o/r", "default_branch": "main"},
        }
        commits = [
            {"id": f"{i:040x}", "message": "m" * 200, "timestamp": "2026-03-01T12:00:00Z"}
            for i in range(40)
        ]
        body |= {"commits": commits, "head_commit": commits[-1]}
        line = {"headers": {"x-github-event": "push"}, "body": body}
        with path.open("w") as out:
            written, number = 0, 0
            while written < 25_000_000:
                line["headers"]["x-github-delivery"] = f"d{number}"
                text = json.dumps(line) + "\n"
                out.write(text)
                written, number = written + len(text), number + 1
    elif case == "csv-200k":
        with path.open("w") as out:
            out.write("deployment_id,service,environment,status,finished_at,commit_sha\n")
            for i in range(200_000):
                out.write(
                    f"dep-{i},svc-{i % 50},production,success,2026-03-01T12:00:00Z,{i:040x}\n"
                )
    elif case == "csv-long-text":
        with path.open("w") as out:
            out.write("risk_id,title,owner,category,likelihood,impact,treatment,identified_on\n")
            for i in range(4_000):
                title = "t" * (10_000 if i % 2 else 10_001)
                out.write(f"R-{i},{title},alice,security,3,3,mitigate,2026-01-10\n")
    elif case == "csv-deep-json":
        cell = '"' + ('{""a"":' * 99) + "1" + "}" * 99 + '"'
        with path.open("w") as out:
            out.write("month,gl_account,amount,currency,tags\n")
            for _ in range(50_000):
                out.write(f"2026-03-01,6100,1.00,EUR,{cell}\n")


def _child(case: str, folder: Path) -> dict[str, object]:
    import resource
    import time

    from leadline.config import load_settings
    from leadline.context import App
    from leadline.ingest.runner import run_ingest

    source, name = CASES[case]
    path = folder / name
    _write(case, path)
    app = App(load_settings(home=folder / "home"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = run_ingest(source, [path], settings=app.settings, store=app.store)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (result,) = report.results
    return {
        "case": case,
        "source": source,
        "bytes": path.stat().st_size,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before / 1024),
        "rss_peak_mb": round(peak / 1024),
        "status": result.status,
        "accepted": result.rows_accepted,
        "rejected": result.rows_rejected,
        "first_problem": result.problems[0].reason[:100] if result.problems else None,
    }


def measure(case: str) -> dict[str, object]:
    """One case in a fresh interpreter: its peak is its own."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="leadline-hostile-") as folder:
        code = (
            "import json, sys; from pathlib import Path; sys.path.insert(0, 'benchmarks'); "
            f"import hostile; print(json.dumps(hostile._child({case!r}, Path({folder!r}))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], check=False, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"{case} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    for case in sys.argv[1:] or list(CASES):
        print(json.dumps(measure(case)), flush=True)


if __name__ == "__main__":
    main()
