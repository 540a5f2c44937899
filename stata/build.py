"""Assemble the folder that ``net install leostata, from("<folder>")`` reads.

The ado-files and help files live in ``ado/`` and the example do-files in
``stata/examples/``; ``stata/leostata.pkg`` names each file as it appears in
the net-install folder (``f leoload.ado``).  Whether ``f`` lines may climb
out of the ``from()`` folder with ``../`` is not documented, so instead of
relying on it (or keeping copies of the ado-files in ``stata/``, which drift)
this script copies ``stata.toc``, ``leostata.pkg`` and every file the
``.pkg`` lists into one flat folder.  tests/test_stata_package.py checks the
result.

Usage:
    python stata/build.py [OUTDIR]          (default: dist/stata)
    . python script stata/build.py, args("OUTDIR")    (from Stata)

Then, in Stata: ``net install leostata, from("OUTDIR") replace``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG = HERE / "leostata.pkg"
TOC = HERE / "stata.toc"
#: Where the files a .pkg names come from.
SOURCE_DIRS = (ROOT / "ado", HERE / "examples")


def manifest(pkg: Path = PKG) -> list[str]:
    """The file names of the ``f`` lines of ``pkg``, in order."""
    names = []
    for line in pkg.read_text(encoding="utf-8").splitlines():
        if line.startswith(("f ", "F ")):
            names.append(line[2:].strip())
    return names


def source_of(name: str) -> Path:
    """The one source file of a name listed in the .pkg."""
    found = [d / name for d in SOURCE_DIRS if (d / name).is_file()]
    if len(found) != 1:
        where = ", ".join(str(d.relative_to(ROOT)) for d in SOURCE_DIRS)
        raise FileNotFoundError(f"build.py: {name} is listed in leostata.pkg but found "
                         f"{len(found)} times in {where}")
    return found[0]


def build(out: Path) -> list[Path]:
    """Write the net-install folder ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in (TOC, PKG, *(source_of(name) for name in manifest())):
        dest = out / src.name
        shutil.copyfile(src, dest)
        written.append(dest)
    return written


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else ROOT / "dist" / "stata"
    written = build(out)
    print(f"{len(written)} files written to {out}")
    print(f'in Stata: net install leostata, from("{out.resolve().as_posix()}") replace')


if __name__ == "__main__":  # also under Stata's python script (no sys.exit there)
    main(sys.argv[1:])
