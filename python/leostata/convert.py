"""Fetched values -> batch arrays, column by column.

Takes one column of driver values (Python objects from ``fetchmany``, or a
pandas Series from DuckDB's chunked fetch) and its ``ResultColumn``; returns
the batch array of the column's family (``int``/``date``: masked int64;
``float``/``datetime``/``time``: float64 with NaN; ``string``/``binary``:
UTF-8 bytes) and records what it saw in ``col.observed``.  Also the way back
for writers: ``as_float``, ``as_bytes`` and ``python_values``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Optional

import numpy as np

from . import stata_types as st
from .errors import DataInconsistency
from .stata_types import ResultColumn


TD_EPOCH_ORDINAL = _dt.date(1960, 1, 1).toordinal()  # 715510


MS_PER_DAY = 86_400_000


def _masked(values: np.ndarray, mask: np.ndarray | None) -> np.ma.MaskedArray:
    if mask is None or not mask.any():
        return np.ma.MaskedArray(values, mask=np.zeros(len(values), bool))
    return np.ma.MaskedArray(values, mask=mask)


def _ints(col: list, types: set) -> np.ma.MaskedArray | None:
    """Python ints/bools (with None) -> masked int64; None if they do not all
    fit int64 (caller falls back)."""
    n = len(col)
    if type(None) not in types:
        try:
            return _masked(np.fromiter(col, np.int64, n), None)
        except OverflowError:
            return None
    arr = np.array(col, dtype=object)
    mask = np.equal(arr, None)
    arr[mask] = 0
    try:
        return _masked(arr.astype(np.int64), mask)
    except OverflowError:
        return None


def _floats(col: list) -> np.ndarray:
    return np.array(col, dtype=np.float64)


def _encode(col: list, types: set) -> np.ndarray:
    if types <= {str, type(None)}:
        enc = [b"" if v is None else v.encode("utf-8") for v in col]
    else:
        enc = [_to_bytes(v) for v in col]
    longest = max(map(len, enc), default=0)
    if longest <= st.MAX_STR:
        return np.array(enc, dtype=f"S{max(longest, 1)}")
    out = np.empty(len(enc), dtype=object)
    out[:] = enc
    return out


def _to_bytes(v) -> bytes:
    if v is None:
        return b""
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", errors="replace").encode("utf-8")
    if isinstance(v, float) and math.isnan(v):
        return b""
    return str(v).encode("utf-8")


def _hex(col: list) -> np.ndarray:
    return _encode([None if v is None else "0x" + bytes(v).hex() for v in col], {str, type(None)})


def _date_days(v) -> Optional[int]:
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        v = v.date()
    elif isinstance(v, str):
        v = _dt.date.fromisoformat(v[:10])
    return v.toordinal() - TD_EPOCH_ORDINAL


def _datetime_ms(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        v = _dt.datetime.fromisoformat(v)
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = (v - v.utcoffset()).replace(tzinfo=None)  # UTC, as sfi.Datetime.getSIF
        return float((v.toordinal() - TD_EPOCH_ORDINAL) * MS_PER_DAY
                     + ((v.hour * 60 + v.minute) * 60 + v.second) * 1000) + v.microsecond / 1000
    if isinstance(v, _dt.date):
        return float((v.toordinal() - TD_EPOCH_ORDINAL) * MS_PER_DAY)
    return float(v)


def _time_ms(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        v = _dt.time.fromisoformat(v)
    if isinstance(v, _dt.time):
        return float(((v.hour * 60 + v.minute) * 60 + v.second) * 1000) + v.microsecond / 1000
    if isinstance(v, _dt.timedelta):
        return v.total_seconds() * 1000
    return float(v)


_NUMBERS = {int, bool, float, decimal.Decimal, type(None)}


_BOOL_TEXT = {"1": 1, "0": 0, "t": 1, "f": 0, "true": 1, "false": 0, "y": 1, "n": 0}


def convert_column(col: list, rc: ResultColumn) -> np.ndarray:
    """One fetched column (a list of DBAPI values) -> the batch array for its
    family (module docstring).  May switch ``rc.family`` from ``int`` to
    ``float`` (fractions in an integer column).  Raises ``DataInconsistency``
    for text in a numeric column."""
    types = set(map(type, col))
    fam = rc.family
    if fam == "int":
        if types <= {int, bool, type(None)}:
            arr = _ints(col, types)
            if arr is not None:
                return arr
            return _digits_as_float_or_text(col, rc)
        if types <= _NUMBERS:
            f = _floats(col)
            finite = f[np.isfinite(f)]
            integral = np.all(finite == np.floor(finite))
            if integral and (len(finite) == 0 or np.abs(finite).max() <= st.EXACT_DOUBLE):
                mask = np.isnan(f)
                return _masked(np.where(mask, 0, f).astype(np.int64), mask)
            rc.family = "float"
            if rc.observed:
                rc.observed.family = "float"
            return f
        if rc.sql_type.kind == "bool" and types <= {str, type(None)}:
            # psqlODBC hands booleans over as text ('1'/'0') unless cast on the server
            try:
                flags = [None if v is None else _BOOL_TEXT[v.strip().lower()] for v in col]
            except KeyError:
                pass
            else:
                return _ints(flags, set(map(type, flags)))
        raise DataInconsistency(f"column {rc.source} ({rc.sql_type.raw}) holds text values; "
                                "cannot load it as a number",
                                hint="cast it in the SQL (leoquery) or fix the column type")
    if fam == "float":
        if types <= _NUMBERS:
            return _floats(col)
        raise DataInconsistency(f"column {rc.source} ({rc.sql_type.raw}) holds text values; "
                                "cannot load it as a number")
    if fam == "date":
        if types <= {int, type(None)}:
            arr = _ints(col, types)
        elif types <= _NUMBERS:
            f = _floats(col)
            mask = np.isnan(f)
            arr = _masked(np.where(mask, 0, np.floor(np.nan_to_num(f))).astype(np.int64), mask)
        else:
            days = [_date_days(v) for v in col]
            arr = _ints(days, set(map(type, days)))
        bad = ~np.ma.getmaskarray(arr) & ((arr.data < st.TD_MIN) | (arr.data > st.TD_MAX))
        if bad.any():
            if rc.observed:
                rc.observed.out_of_range += int(bad.sum())
            arr = _masked(arr.data.copy(), np.ma.getmaskarray(arr) | bad)
        return arr
    if fam == "datetime" or fam == "time":
        if types <= _NUMBERS:
            f = _floats(col)
        else:
            fn = _datetime_ms if fam == "datetime" else _time_ms
            f = np.fromiter((fn(v) for v in col), np.float64, len(col))
        return tc_in_range(f, rc) if fam == "datetime" else f
    if fam == "binary":
        return _hex(col)
    return _encode(col, types)


def tc_in_range(f: np.ndarray, rc: ResultColumn) -> np.ndarray:
    """%tc milliseconds outside Stata's datetime range become missing (NaN),
    counted in the column's ``Observed`` for the load's notes."""
    bad = np.isfinite(f) & ((f < st.TC_MIN) | (f > st.TC_MAX))
    if not bad.any():
        return f
    if rc.observed:
        rc.observed.out_of_range += int(bad.sum())
    return np.where(bad, np.nan, f)


def _digits_as_float_or_text(col: list, rc: ResultColumn) -> np.ndarray:
    """Integers beyond int64 (DuckDB hugeint/ubigint): keep them exact as text."""
    rc.family = "string"
    if rc.observed:
        rc.observed.family = "string"
    rc.notes.append("integers beyond the 64-bit range loaded as a string of digits")
    return _encode([None if v is None else str(v) for v in col], {str, type(None)})


def convert_rows(rows: list, columns: list[ResultColumn]) -> dict[str, np.ndarray]:
    """A ``fetchmany`` list of row tuples -> ``{name: batch array}``."""
    out = {}
    for j, rc in enumerate(columns):
        out[rc.name] = convert_column([r[j] for r in rows], rc)
    return out


def _from_pandas(series, rc: ResultColumn) -> np.ndarray:
    import pandas as pd
    fam = rc.family
    dtype = series.dtype
    if fam in ("int", "date") and pd.api.types.is_integer_dtype(dtype):
        mask = series.isna().to_numpy()
        vals = series.to_numpy(dtype=np.int64, na_value=0)  # UBIGINT never gets here
        arr = _masked(vals, mask)
        if fam == "date":
            bad = ~mask & ((vals < st.TD_MIN) | (vals > st.TD_MAX))
            if bad.any():
                rc.observed.out_of_range += int(bad.sum())
                arr = _masked(vals.copy(), mask | bad)
        return arr
    if fam in ("float", "datetime", "time") and (pd.api.types.is_float_dtype(dtype)
                                                  or pd.api.types.is_integer_dtype(dtype)):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if fam == "int" and pd.api.types.is_bool_dtype(dtype):
        mask = series.isna().to_numpy()
        return _masked(series.to_numpy(dtype=np.int64, na_value=0), mask)
    if fam in ("date", "datetime") and pd.api.types.is_datetime64_dtype(dtype):
        raw = series.to_numpy()
        mask = np.isnat(raw)
        if fam == "date":
            d = raw.astype("datetime64[D]").astype(np.int64) + 3653  # 1970 -> 1960
            bad = ~mask & ((d < st.TD_MIN) | (d > st.TD_MAX))
            if bad.any():
                rc.observed.out_of_range += int(bad.sum())
            return _masked(np.where(mask | bad, 0, d), mask | bad)
        msv = raw.astype("datetime64[us]").astype(np.int64) / 1000.0 + 315_619_200_000.0
        return np.where(mask, np.nan, msv)
    values = series.astype(object).where(series.notna(), None).tolist()
    return convert_column(values, rc)


def as_float(arr: np.ndarray) -> np.ndarray:
    """Any numeric batch array -> float64 with NaN for missing."""
    if isinstance(arr, np.ma.MaskedArray):
        out = arr.data.astype(np.float64)
        mask = np.ma.getmaskarray(arr)
        if mask.any():
            out[mask] = np.nan
        return out
    return arr.astype(np.float64, copy=False)


def as_bytes(arr: np.ndarray) -> np.ndarray:
    """Any batch array -> bytes (``S#`` or object of bytes): integers as
    decimal digits (bigint beyond 2^53), NULL as b""."""
    if isinstance(arr, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(arr)
        digits = arr.data.astype("S20")
        if mask.any():
            digits[mask] = b""
        return digits
    if arr.dtype.kind == "f":
        out = np.array([b"" if math.isnan(v) else repr(v).encode() for v in arr.tolist()])
        return out if len(out) else np.array([], dtype="S1")
    return arr


def python_values(arr: np.ndarray, col: ResultColumn, letters: np.ndarray | None = None) -> list:
    """A batch array as Python values for a column of final type
    ``col.stata_type``: numbers (int for byte/int/long and integral doubles of
    integer columns), None for missing, ``st.ExtendedMissing`` where
    ``letters`` (``st.letters_key``) says, str for strings."""
    if col.is_string:
        b = as_bytes(arr)
        return [v.decode("utf-8", errors="replace") for v in b.tolist()]
    if isinstance(arr, np.ma.MaskedArray) and col.family in ("int", "date"):
        mask = np.ma.getmaskarray(arr)
        vals = arr.data.tolist()
        out = [None if m else v for v, m in zip(vals, mask.tolist())]
    else:
        out = [None if math.isnan(v) else v for v in as_float(arr).tolist()]
    if letters is not None and letters.any():
        for i in np.flatnonzero(letters).tolist():
            out[i] = st.EXTENDED_MISSING[letters[i] - 1]
    return out


def final_values(arr: np.ndarray, col: ResultColumn) -> tuple[np.ndarray, np.ndarray | None]:
    """A batch array in the column's final Stata storage type, for a writer:
    ``(values, missing)``.  Integer types: int64 values (0 where missing);
    ``float``/``double``: float64 values, missing where not finite or beyond
    the type's largest value (Stata holds those as ``.``); strings: UTF-8
    bytes and no mask.  Each writer then spells missing its own way."""
    stype = col.stata_type
    if stype in ("byte", "int", "long"):
        if isinstance(arr, np.ma.MaskedArray):
            return arr.data.astype(np.int64, copy=False), np.ma.getmaskarray(arr)
        f = as_float(arr)  # the float form of an integer-valued column
        mask = np.isnan(f)
        return np.where(mask, 0, f).astype(np.int64), mask
    if stype in ("float", "double"):
        f = as_float(arr)
        limit = st.FLOAT_MAX if stype == "float" else st.DOUBLE_MAX
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(f) | (np.abs(f) > limit)
        return f, bad
    return as_bytes(arr), None
