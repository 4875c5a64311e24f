"""A process that builds an EF.SOD first (by CMS attribute names) can still sign PDFs afterwards: asn1crypto
fixes each name table's reverse map at its first look-up by name, so every module that registers names must be
imported before that."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from hardware.smartcard.lds import sod
from asn1crypto import cms
cms.CMSAttributeType.unmap("message_digest")  # what building a SOD's signed attributes does first
cms.CMSAttributeType.unmap("signing_certificate_v2")  # what pyHanko's PDF signature needs later
print("ok")
"""


def test_pdf_signing_names_survive_a_sod_built_first():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
