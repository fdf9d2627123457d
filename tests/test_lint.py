"""The code passes ruff with the rules in pyproject.toml (pyflakes, pycodestyle errors and
warnings, lines up to 120 characters), so `.venv/bin/pytest` and .ci/run enforce them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff is not installed: pip install -e '.[test]' brings it")
    # --no-cache: no .ruff_cache left in the checkout; the whole repository takes under a second.
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
