"""Shared fixtures. Add yours below; keep each fixture small."""

from __future__ import annotations

import pytest

from paperkit.kit import Kit, init_kit
from paperkit.samplekit import make_sample_kit


@pytest.fixture
def kit(tmp_path) -> Kit:
    """An empty kit in a temporary folder."""
    return init_kit(tmp_path / "kit", name="Test group")


@pytest.fixture
def sample_kit(tmp_path) -> Kit:
    """The sample kit from samples/ in a temporary folder."""
    return make_sample_kit(tmp_path / "sample")
