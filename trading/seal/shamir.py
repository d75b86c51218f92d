"""Shamir k-of-n sharing over GF(2^8) with the AES polynomial 0x11B (seal.md §9), byte by byte."""

from __future__ import annotations

import os
from collections.abc import Sequence


def _times3(x: int) -> int:
    """x·0x03 = x·0x02 ⊕ x; 0x03 generates GF(2^8)'s multiplicative group under 0x11B."""
    doubled = x << 1
    return (doubled ^ 0x11B if doubled & 0x100 else doubled) ^ x


def _tables() -> tuple[list[int], list[int]]:
    """Powers of 0x03 (doubled, so a sum of two logs needs no reduction) and their logs."""
    exp, log, x = [0] * 510, [0] * 256, 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log[x] = i
        x = _times3(x)
    return exp, log


_EXP, _LOG = _tables()


def gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def gf_inv(a: int) -> int:
    if a == 0:
        raise ZeroDivisionError("0 has no inverse in GF(2^8)")
    return _EXP[255 - _LOG[a]]


def split(secret: bytes, k: int, n: int,
          coefficients: Sequence[bytes] | None = None) -> list[bytes]:
    """y_1 … y_n: y_x[j] = f_j(x) = secret[j] ⊕ c_1[j]·x ⊕ … ⊕ c_{k−1}[j]·x^{k−1}.

    `coefficients` (c_1 … c_{k−1}) are fixed only in vectors; otherwise they are fresh.
    """
    if not 1 <= k <= n <= 255:
        raise ValueError("shares need 1 ≤ k ≤ n ≤ 255")
    if coefficients is None:
        coefficients = [os.urandom(len(secret)) for _ in range(k - 1)]
    if len(coefficients) != k - 1 or any(len(c) != len(secret) for c in coefficients):
        raise ValueError("k − 1 coefficients, each as long as the secret")
    shares = []
    for x in range(1, n + 1):
        y = bytearray(len(secret))
        for j in range(len(secret)):
            acc = 0
            for c in reversed(coefficients):  # Horner: ((c_{k−1}·x ⊕ …)·x ⊕ c_1)·x ⊕ d
                acc = gf_mul(acc ^ c[j], x)
            y[j] = acc ^ secret[j]
        shares.append(bytes(y))
    return shares


def combine(points: Sequence[tuple[int, bytes]]) -> bytes:
    """f(0) from distinct points (x, y): ⊕_i y_i · Π_{m≠i} x_m / (x_m ⊕ x_i)."""
    xs = [x for x, _ in points]
    if len(set(xs)) != len(xs) or not all(1 <= x <= 255 for x in xs):
        raise ValueError("share x values are distinct, in 1..255")
    secret = bytearray(len(points[0][1]) if points else 0)
    for i, (xi, yi) in enumerate(points):
        basis = 1
        for m, xm in enumerate(xs):
            if m != i:
                basis = gf_mul(basis, gf_mul(xm, gf_inv(xm ^ xi)))
        for j, byte in enumerate(yi):
            secret[j] ^= gf_mul(basis, byte)
    return bytes(secret)
