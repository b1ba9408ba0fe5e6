"""The scan keeps freed photo-sized memory for the next photo (paperkit/scan/memory.py)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from paperkit.scan import memory

#: Loads a 12 MP JPEG as a scan does (load_photo, then its half-size copy) six times and
#: counts the page faults, before and after the setting; in a fresh process, so that
#: nothing else has tuned or churned its allocator.
_PROBE = """
import json, resource, sys
import cv2
from paperkit.scan.load import load_photo
from paperkit.scan.memory import keep_freed_memory

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(6):
        gray = load_photo(sys.argv[1]).frames[0].gray
        half = cv2.pyrDown(gray)
        del gray, half
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

default = faults()
kept = keep_freed_memory()
print(json.dumps({"default": default, "kept": kept, "tuned": faults(),
                  "again": keep_freed_memory()}))
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt's thresholds are glibc's (elsewhere nothing is changed)")
def test_a_photos_freed_buffers_are_reused_for_the_next_without_page_faults(tmp_path):
    rows, cols = np.mgrid[0:3000, 0:4000]
    noise = np.random.default_rng(1).integers(0, 40, rows.shape)
    path = tmp_path / "photo.jpg"
    Image.fromarray(((rows + cols) % 215 + noise).astype(np.uint8)).save(path, quality=80)
    out = json.loads(subprocess.run([sys.executable, "-c", _PROBE, str(path)], check=True,
                                    capture_output=True, text=True).stdout)
    assert out["kept"] is True and out["again"] is True
    # a 12 MP frame is about 2,900 pages: by default each load maps fresh ones
    assert out["default"] > 6 * 2000
    # kept: the first load after the setting may still map its pages, later ones reuse them
    assert out["tuned"] < out["default"] / 3


def test_without_mallopt_nothing_is_changed(monkeypatch):
    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(memory.ctypes, "CDLL", NoMallopt)
    assert memory._set() is False
