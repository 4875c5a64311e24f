"""Amounts in Vietnamese words, per-agency number books under concurrency, and the test CA `make run` creates."""

from __future__ import annotations

import stat
import threading

import pytest

from backend.documents import authorities, numbering, pades
from backend.documents.words import amount_in_figures, amount_in_words, vietnamese_words
from backend.extensions import db


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "Không đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (200_000, "Hai trăm nghìn đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (1_015_000, "Một triệu không trăm mười lăm nghìn đồng"),
        (19_076_000, "Mười chín triệu không trăm bảy mươi sáu nghìn đồng"),
        (2_000_000_000, "Hai tỷ đồng"),
        (1_000_001_000, "Một tỷ không trăm linh một nghìn đồng"),
    ],
)
def test_amounts_in_words_as_receipts_write_them(amount, words):
    assert amount_in_words(amount) == words
    assert "lẻ" not in words  # one style throughout: "linh"


@pytest.mark.parametrize("amount", [-1, 1.5, True, "100"])
def test_amounts_in_words_refuse_what_is_not_an_amount(amount):
    with pytest.raises(ValueError):
        vietnamese_words(amount)


def test_amount_in_figures_groups_thousands_with_dots():
    assert amount_in_figures(19_076_000) == "19.076.000 đồng"


def test_authorities_by_kind_and_jurisdiction():
    ward = authorities.resolve(authorities.RESIDENCE_POLICE, "00001")
    assert (ward.parent_vi, ward.name_vi, ward.code, ward.place) == (
        "CÔNG AN THÀNH PHỐ HÀ NỘI",
        "Công an phường Phúc Xá",
        "CAX00001",
        "Phúc Xá",
    )
    department = authorities.resolve(authorities.JUDICIAL_RECORDS_DEPARTMENT, "79")
    assert (department.full_name_vi, department.code) == ("Sở Tư pháp thành phố Hồ Chí Minh", "STP79")
    assert authorities.resolve(authorities.TRAFFIC_POLICE, "26740").code == "PC08-79"  # a ward: its province
    with pytest.raises(authorities.UnknownAuthority):
        authorities.resolve(authorities.RESIDENCE_POLICE, "01")  # a province has no ward police
    with pytest.raises(authorities.UnknownAuthority):
        authorities.resolve(authorities.RESIDENCE_POLICE, None)
    with pytest.raises(authorities.UnknownAuthority):
        authorities.resolve("ministry_of_magic", "01")


def test_numbers_roll_back_with_their_transaction_and_restart_each_year(session):
    first = numbering.allocate(session, "TEST-A", 2026)
    savepoint = session.begin_nested()
    assert numbering.allocate(session, "TEST-A", 2026) == first + 1
    savepoint.rollback()  # the issue failed: its number is given back
    assert numbering.allocate(session, "TEST-A", 2026) == first + 1
    assert numbering.allocate(session, "TEST-A", 2027) == 1
    assert numbering.allocate(session, "TEST-B", 2026) == 1
    assert numbering.format_number(7, 2026, "XNCT", "CAX00001") == "000007/2026/XNCT-CAX00001"


def test_concurrent_issuers_never_share_a_number(make_app):
    """Eight workers on one database each take ten numbers from the same book, committing each."""
    from backend.core.unit_of_work import committed

    app = make_app()
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(10):
                    taken.append(committed(lambda: numbering.allocate(db.session, "RACE", 2026)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(taken) == list(range(1, 81))


def test_make_run_creates_the_test_ca_once_in_the_instance_folder(tmp_path):
    folder = tmp_path / "instance" / "document-signing"
    created = pades.ensure_test_ca(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "ca.key",
        "ca.pem",
        "signer.key",
        "signer.pem",
        "tsa.key",
        "tsa.pem",
    ]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    again = pades.ensure_test_ca(folder)  # the next start (or another worker) uses the same CA
    assert again.signer_cert.dump() == created.signer_cert.dump()
    assert "TEST" in created.signer_name and created.ca_certs[0].ca


def test_a_configured_certificate_needs_its_timestamp_authority(make_app, tmp_path):
    pades.ensure_test_ca(tmp_path)
    app = make_app(
        DOCUMENT_SIGNING_CERT=str(tmp_path / "signer.pem"),
        DOCUMENT_SIGNING_KEY=str(tmp_path / "signer.key"),
        DOCUMENT_SIGNING_CHAIN=str(tmp_path / "ca.pem"),
    )
    with pytest.raises(pades.PadesConfigError, match="DOCUMENT_TSA_URL"):
        pades.material(app)
    broken = make_app(DOCUMENT_SIGNING_CERT=str(tmp_path / "missing.pem"), DOCUMENT_TSA_URL="http://tsa.invalid")
    with pytest.raises(pades.PadesConfigError):
        pades.material(broken)
