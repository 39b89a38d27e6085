"""Run every benchmark (``make bench``) and print their tables for docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script, title in (
        ("extraction.py", "Extraction and cleaning vs trafilatura's three modes (extraction-dev)"),
        ("runs.py", "Whole runs against a local feed server"),
        ("browse_scale.py", "Browsing a 200,000-article archive (queries, charts, Datasette)"),
    ):
        print(f"\n## {title}\n", flush=True)
        status |= subprocess.run([sys.executable, str(HERE / script)], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
