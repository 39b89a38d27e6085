"""`make train` rebuilds the shipped model byte for byte (fixed seeds, sorted output)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "flows" / "analysis" / "events" / "model.json"


@pytest.mark.slow
def test_the_committed_model_is_what_make_train_builds(shared_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "model.json"
    command = [sys.executable, "-m", "flows.analysis.events.train", "--out", str(out),
               "--shared", str(shared_dir)]  # fmt: skip
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=600)
    assert out.read_bytes() == MODEL.read_bytes(), (
        "flows/analysis/events/model.json is not what `make train` builds: run `make train` "
        "and commit the model with the change that moved it"
    )


def test_the_model_loads_without_scikit_learn() -> None:
    # Runtime reads plain JSON: importing the scorer must not import scikit-learn.
    code = (
        "import sys; from flows.analysis.events.scorer import default_scorer; "
        "default_scorer(); assert 'sklearn' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)
