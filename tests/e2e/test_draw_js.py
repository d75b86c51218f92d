"""The browser's draw module (static/js/draw/) in Debian's chromium: draw-vectors.md D1–D4,
read from the spec file itself, plus input order and prefix stability. Static files over a
plain http.server on 127.0.0.1 (a secure context for WebCrypto), no Django stack."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_seal_js import _watch, static_url  # noqa: F401  (the fixture)
from tests.experts.test_draw_vectors import BLOCK, VECTORS

pytestmark = pytest.mark.e2e


def spec_vectors() -> dict:
    vectors = {name: dict(values) for name, values in VECTORS.items() if name in ("D1", "D2", "D3")}
    vectors["D1"]["ids"] = [f"EXP-{i:06d}" for i in range(1, 21)]
    vectors["D2"]["ids"] = [f"CTR-{i:03d}" for i in range(30, 0, -1)]
    vectors["D4"] = {f"n = {n}": rest for n, rest in re.findall(r"^n = (\d+): (.*)$", BLOCK, re.M)}
    assert len(vectors["D4"]) == 3
    return vectors


def test_draw_vectors_pass_in_chromium(static_url, page):  # noqa: F811
    errors = _watch(page)
    page.goto(f"{static_url}/js/draw/vectors.html")
    page.wait_for_function("typeof window.runDrawVectors === 'function'")
    text = page.evaluate("(v) => window.runDrawVectors(v)", spec_vectors())
    lines = text.splitlines()
    assert lines[-1] == "ALL OK", text
    assert len(lines) == 1 + 2 * 8 + 6 + 3 and not errors
