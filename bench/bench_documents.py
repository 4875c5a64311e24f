"""What issuing and checking a signed document costs: render the PDF (fpdf2), sign it (PAdES with an RFC 3161
timestamp from the local test TSA, pyHanko), validate the signature, and open the verification page.

    python bench/bench_documents.py [--documents 30]

Runs in process on a fresh migrated SQLite database (test CA, throwaway keys); prints per-step medians and
p95 in milliseconds, and the PDF size."""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=30)
    args = parser.parse_args()

    from backend import create_app, migrate
    from backend.database import make_engine, utcnow
    from backend.documents import pades, pdf, service
    from backend.extensions import db
    from backend.registry.models import Citizen
    from backend.registry.reference import sync_administrative_units

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(
            {
                "ENV_NAME": "testing",
                "TESTING": True,
                "DATABASE_URL": url,
                "RATELIMIT_ENABLED": False,
                "SECRET_KEY": "bench-" + "x" * 32,
                "JWT_SECRET_KEY": "bench-" + "y" * 32,
            }
        )
        client = app.test_client()
        render, sign, issue, validate, page, sizes = [], [], [], [], [], []
        with app.app_context():
            sync_administrative_units(session=db.session)
            citizen = Citizen(
                personal_id="001190012345",
                full_name="Nguyễn Thị Ánh Tuyết",
                name_folded="nguyen thi anh tuyet",
                sex="female",
                date_of_birth=date(1990, 7, 15),
                permanent_ward_code="00001",
                permanent_street="Số 5 Phố Huế",
                permanent_province_code="01",
            )
            db.session.add(citizen)
            db.session.flush()
            signing = pades.material()
            original_render, original_sign = pdf.render_pdf, pades.sign_pdf

            def timed(target, samples):
                def wrapper(*a, **kw):
                    started = time.perf_counter()
                    try:
                        return target(*a, **kw)
                    finally:
                        samples.append(time.perf_counter() - started)

                return wrapper

            service.render_pdf, service.pades.sign_pdf = timed(original_render, render), timed(original_sign, sign)
            codes = []
            try:
                for n in range(args.documents + 1):
                    started = time.perf_counter()
                    document = service.issue_document(
                        session=db.session,
                        holder=citizen,
                        doc_type="residence-confirmation",
                        jurisdiction="00001",
                        lines=[pdf.Line("Họ và tên", "Full name", citizen.full_name)],
                        content={"n": n},
                        validity=timedelta(days=365),
                        now=utcnow(),
                    )
                    issue.append(time.perf_counter() - started)
                    sizes.append(len(document.pdf))
                    started = time.perf_counter()
                    assert pades.validate(document.pdf, signing=signing).ok
                    validate.append(time.perf_counter() - started)
                    codes.append(document)
            finally:
                service.render_pdf, service.pades.sign_pdf = original_render, original_sign
            db.session.commit()
        # The page needs each link's key, which is stored only hashed: read it off the PDF, as a person would.
        import subprocess  # nosec B404 - poppler on our own files

        links = []
        for document in codes[1:]:
            path = Path(folder) / "d.pdf"
            path.write_bytes(document.pdf)
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()  # nosec
            links.append("/v/" + re.search(r"/v/([0-9A-Z]{8}\.[0-9A-Z]{8})", text).group(1))
        for link in links:
            started = time.perf_counter()
            assert b'data-status="valid"' in client.get(link).data
            page.append(time.perf_counter() - started)
    for samples in (render, sign, issue, validate):
        del samples[0]  # the first includes imports and font loading
    print(f"documents: {args.documents} residence confirmations (first one discarded as warm-up)")
    print(f"render PDF (fpdf2)              {_ms(render)}")
    print(f"PAdES sign + RFC 3161 timestamp {_ms(sign)}")
    print(f"issue (number, JWS, render, sign, store) {_ms(issue)}")
    print(f"validate PAdES (pyHanko)        {_ms(validate)}")
    print(f"verification page GET /v/...    {_ms(page)}")
    print(f"PDF size: median {statistics.median(sizes) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
