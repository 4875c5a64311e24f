"""Regenerate units_2025.csv and successors_2025.csv from the `vietnamadminunits` package (MIT, Tran Ngoc Minh
Hieu), which ships the units before and after the 1/7/2025 reorganisation and the mapping between them (built
from the National Assembly Standing Committee's resolutions per province). A development tool: the product
reads only the CSVs it writes.

    pip install --no-deps vietnamadminunits==1.0.4 && python backend/registry/data/make_units_2025.py
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
from pathlib import Path

# Located, not imported: importing it pulls shapely and geopy, which the data does not need.
PACKAGE = Path(importlib.util.find_spec("vietnamadminunits").submodule_search_locations[0]) / "data"
HERE = Path(__file__).parent


def main() -> None:
    db = sqlite3.connect(PACKAGE / "dataset.db")
    mapping = json.loads((PACKAGE / "converter_2025.json").read_text(encoding="utf-8"))
    new_units = db.execute("SELECT provinceCode, province, provinceKey, wardCode, ward, wardKey FROM admin_units")
    provinces, wards, new_code = {}, [], {}
    for province_code, province, province_key, ward_code, ward, ward_key in new_units:
        provinces[province_code] = (province, province_key)
        wards.append((ward_code, ward, province_code))
        new_code[(province_key, ward_key)] = ward_code
    new_province_code = {key: code for code, (_, key) in provinces.items()}
    with (HERE / "units_2025.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name", "level", "province_code"])
        for code, (name, _) in sorted(provinces.items()):
            writer.writerow([code, name, "province", code])
        for code, name, province_code in sorted(wards):
            writer.writerow([code, name, "ward", province_code])

    legacy = {}
    for row in db.execute("SELECT provinceKey, districtKey, wardKey, wardCode, provinceCode FROM admin_units_legacy"):
        province_key, district_key, ward_key, ward_code, province_code = row
        legacy[f"{province_key}_{district_key}_{ward_key}"] = (ward_code, province_code)
    old_province_new = {}
    for new_key, old_keys in mapping["DICT_PROVINCE"].items():
        for old_key in old_keys:
            old_province_new[old_key] = new_province_code[new_key]
    rows = []
    for new_province_key, wards_of in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward_key, old_keys in wards_of.items():
            for old_key in old_keys:
                if old_key in legacy:
                    rows.append((*legacy[old_key], new_code[(new_province_key, new_ward_key)], 0))
    for new_province_key, divided in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, candidates in divided.items():
            default = next(c["newWardKey"] for c in candidates if c["isDefaultNewWard"])
            if old_key in legacy:
                rows.append((*legacy[old_key], new_code[(new_province_key, default)], 1))
    province_of = {
        code: old_province_new[key]
        for key, code in db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy")
    }
    with (HERE / "successors_2025.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["old_code", "level", "new_code", "divided"])
        for old, new in sorted(province_of.items()):
            writer.writerow([old, "province", new, 0])
        for old_ward, _province, new_ward, divided in sorted(set(rows)):
            writer.writerow([old_ward, "ward", new_ward, divided])
    print(
        f"{len(provinces)} provinces, {len(wards)} wards; {len(province_of)} old provinces and "
        f"{len(set(rows))} old wards mapped"
    )


if __name__ == "__main__":
    main()
