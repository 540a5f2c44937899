"""The licensed-Stata tier: stata/cert/cert_all.do in a real Stata, through
pystata -- setup.do (net install from the folder stata/build.py assembles, a
2,000-person synthetic database), every c_*.do (leostata against native
Stata on the same data; return codes with rcof) and the example do-file.

Skipped unless STATA_HOME names a Stata installation with pystata (Stata 17
or later; on Stata 16, run cert_all.do by hand).  STATA_EDITION: be, se
(default) or mp.  Stata's own Python is this process, so leostata must be
installed in it (pip install -e .).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

STATA_HOME = os.environ.get("STATA_HOME")
CERT = Path(__file__).resolve().parents[2] / "stata" / "cert"

pytestmark = [pytest.mark.stata,
              pytest.mark.skipif(not STATA_HOME, reason="needs a licensed Stata: set STATA_HOME")]


@pytest.fixture(scope="module")
def stata(tmp_path_factory):
    """pystata's ``stata`` module, with LEOSTATA_HOME in a temporary folder
    and no LEOSTATA_URL (the cert run sets its own database)."""
    saved = {k: os.environ.get(k) for k in ("LEOSTATA_HOME", "LEOSTATA_URL")}
    os.environ["LEOSTATA_HOME"] = str(tmp_path_factory.mktemp("leostata_home"))
    os.environ.pop("LEOSTATA_URL", None)
    sys.modules.pop("sfi", None)  # the real one, from Stata, not a test double
    edition = os.environ.get("STATA_EDITION", "se")
    try:
        import stata_setup
        stata_setup.config(STATA_HOME, edition, splash=False)
    except ImportError:
        sys.path.append(os.path.join(STATA_HOME, "utilities"))
        from pystata import config
        config.init(edition, splash=False)
    from pystata import stata as pystata_stata
    yield pystata_stata
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_cert_all(stata):
    stata.run(f'cd "{CERT.as_posix()}"', quietly=True)
    stata.run("do cert_all.do")  # pystata raises SystemError at the first failure
    logs = sorted((CERT / "logs").glob("cert_all_*.log"), key=lambda p: p.stat().st_mtime)
    assert logs and "ALL CERT SCRIPTS PASSED" in logs[-1].read_text(errors="replace")
