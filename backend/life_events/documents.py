"""The life events' document types on the documents service's per-type templates: the hospital's birth
certificate and death notice (issued in the hospital's name) and the civil-status extracts (issued by the
commune People's Committee, the authority of civil status under the Law on Civil Status)."""

from __future__ import annotations

from backend.documents.authorities import Authority, _short
from backend.documents.templates import TEMPLATES, DocumentTemplate, LegalSource
from backend.health.models import Hospital
from backend.registry.reference import units_by_code

BIRTH_CERTIFICATE, DEATH_NOTICE = "birth-certificate", "death-notice"
BIRTH_EXTRACT, DEATH_EXTRACT = "birth-extract", "death-extract"
HOSPITAL, COMMUNE_PEOPLE_COMMITTEE = "hospital", "commune_people_committee"

_CIVIL_STATUS_LAW = LegalSource(
    "Luật Hộ tịch số 60/2014/QH13 ngày 20/11/2014", "Law on Civil Status No. 60/2014/QH13 of 20 November 2014"
)
# The circular's form numbers for these certificates were not checked, so none is printed.
_HEALTH_LAW = LegalSource(
    "Thông tư số 17/2012/TT-BYT (giấy chứng sinh) và Thông tư số 24/2020/TT-BYT (giấy báo tử) của Bộ Y tế",
    "Ministry of Health Circulars No. 17/2012/TT-BYT (birth certificate) and 24/2020/TT-BYT (death notice)",
)
_LINKED = LegalSource(
    "Nghị định số 63/2024/NĐ-CP về liên thông thủ tục hành chính",
    "Government Decree No. 63/2024/ND-CP on linked administrative procedures",
)

TEMPLATES.update(
    {
        t.doc_type: t
        for t in (
            DocumentTemplate(
                BIRTH_CERTIFICATE,
                "Giấy chứng sinh",
                "Birth certificate (hospital)",
                None,
                "GCS",
                HOSPITAL,
                (_HEALTH_LAW, _CIVIL_STATUS_LAW),
            ),
            DocumentTemplate(
                DEATH_NOTICE,
                "Giấy báo tử",
                "Death notice (hospital)",
                None,
                "GBT",
                HOSPITAL,
                (_HEALTH_LAW, _CIVIL_STATUS_LAW),
            ),
            DocumentTemplate(
                BIRTH_EXTRACT,
                "Trích lục khai sinh",
                "Birth registration extract",
                None,
                "TLKS",
                COMMUNE_PEOPLE_COMMITTEE,
                (_CIVIL_STATUS_LAW, _LINKED),
            ),
            DocumentTemplate(
                DEATH_EXTRACT,
                "Trích lục khai tử",
                "Death registration extract",
                None,
                "TLKT",
                COMMUNE_PEOPLE_COMMITTEE,
                (_CIVIL_STATUS_LAW, _LINKED),
            ),
        )
    }
)


def hospital_authority(hospital: Hospital) -> Authority:
    """A hospital signs its own certificates: its name heads them and its code numbers them."""
    return Authority(
        kind=HOSPITAL,
        parent_vi="CƠ SỞ KHÁM BỆNH, CHỮA BỆNH",
        name_vi=hospital.name,
        full_name_vi=hospital.name,
        name_en=hospital.name_en,
        code=hospital.code,
        place=_short(units_by_code().get(hospital.province_code, {}).get("name", "")),
        signer_title_vi="Thủ trưởng cơ sở",
        signer_title_en="Head of the facility",
        signer_name="",
    )
