"""RenderedRows: rows already in wire form are dumped as they are; anything else goes through the nested schema,
so a row can never carry a field the schema does not declare."""

from __future__ import annotations

from datetime import date

from shared_schemas.registry import CitizenSchema, VehicleSchema

WIRE = {"plate": "30A12345", "kind": "car", "brand": "VinFast", "registered_on": "2024-02-29"}


def _dump_vehicles(rows):
    return CitizenSchema(only=("vehicles",)).dump({"vehicles": rows})["vehicles"]


def test_rows_in_wire_form_are_dumped_as_they_are():
    assert _dump_vehicles([WIRE]) == [WIRE]
    assert _dump_vehicles([]) == []


def test_rows_with_python_values_go_through_the_schema():
    assert _dump_vehicles([{**WIRE, "registered_on": date(2024, 2, 29)}]) == [WIRE]


def test_a_field_the_schema_does_not_declare_is_never_passed_through():
    dumped = _dump_vehicles([{**WIRE, "owner_citizen_id": 7}])
    assert dumped == [WIRE]


def test_the_documented_and_loaded_shape_is_the_nested_schema():
    loaded = CitizenSchema(only=("vehicles",)).load({"vehicles": [WIRE]})
    assert loaded["vehicles"] == [VehicleSchema().load(WIRE)]
    assert loaded["vehicles"][0]["registered_on"] == date(2024, 2, 29)
