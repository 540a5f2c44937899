"""The ``sample()`` hash: which persons a reproducible sample keeps.

``sample(#, seed(#))`` keeps a person when a hash of the person key is below
``# * M / 100`` (``M = 2^31 - 1``, prime).  The hash is integer arithmetic
every database evaluates identically (BIGINT, all products below 2^63; no
TABLESAMPLE, NEWID or collation-dependent CHECKSUM):

* the key as a number ``r`` in 0..M-1: an integer key modulo M; a string key
  as ``sum(code point of character i * 65599^i mod M) mod M`` over its first
  32 characters (``UNICODE``/``ASCII`` of ``SUBSTRING(key, i, 1)``, 0 past
  the end); a missing key is 0;
* ``h = (r * 48271 + S1) mod M`` and
  ``u = (((h * h + S2) mod M) * 69621 + h) mod M``, where
  ``S1 = (seed * 16807 + 12345) mod M`` and ``S2 = (seed * 48271 + 67890) mod M``.

All rows of a person share the key, so a person is kept whole; the same seed
keeps the same persons on every run and every database (``sample_keeps`` is
the same function in Python, for tests).
"""

from __future__ import annotations

import math

HASH_MODULUS = 2_147_483_647  # 2^31 - 1, prime
HASH_A1, HASH_A2, HASH_BASE = 48_271, 69_621, 65_599
HASH_MAX_CHARS = 32


def hash_seeds(seed: int) -> tuple[int, int]:
    """The two constants a seed contributes to the hash."""
    m = HASH_MODULUS
    return (seed * 16_807 + 12_345) % m, (seed * 48_271 + 67_890) % m


def hash_threshold(percent: float) -> int:
    """Keep a person when the hash is below this: ``percent`` % of 0..M-1."""
    return int(math.floor(percent * HASH_MODULUS / 100.0))


def hash_weights(length: int) -> list[int]:
    return [pow(HASH_BASE, i, HASH_MODULUS) for i in range(1, length + 1)]


def key_residue(key, chars: int = HASH_MAX_CHARS) -> int:
    """A person key as a number in 0..M-1: an integer modulo M; a string as
    the sum of its first ``chars`` characters' code points times
    ``65599^i mod M`` (i = 1, 2, ...), modulo M; missing or "" -> 0."""
    m = HASH_MODULUS
    if key is None:
        return 0
    if isinstance(key, str):
        text = key[:chars]
        return sum(ord(ch) * w for ch, w in zip(text, hash_weights(len(text)))) % m
    return int(key) % m


def person_hash(residue: int, seed: int) -> int:
    """The hash sample() keeps persons by: ``h = (r*48271 + S1) mod M``,
    ``u = (((h*h + S2) mod M)*69621 + h) mod M`` - integer arithmetic below
    2^63, evaluated identically by every database."""
    m = HASH_MODULUS
    s1, s2 = hash_seeds(seed)
    h = (residue * HASH_A1 + s1) % m
    return (((h * h + s2) % m) * HASH_A2 + h) % m


def sample_keeps(key, percent: float, seed: int, chars: int = HASH_MAX_CHARS) -> bool:
    """Whether ``sample(percent, seed(seed))`` keeps the person ``key``."""
    return person_hash(key_residue(key, chars), seed) < hash_threshold(percent)
