"""The demo population: reproducible, internally consistent, loadable on both databases."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.database import make_engine
from backend.registry.seed import PopulationGenerator, bulk_load_population
from shared_schemas import personal_id
from shared_schemas.text import fold


def _people(seed: int, n: int):
    generator = PopulationGenerator(seed)
    return [person for _, members in generator.households(n) for person in members]


def test_same_seed_same_population_and_different_seed_differs():
    assert _people(7, 500) == _people(7, 500)
    assert _people(7, 500) != _people(8, 500)


def test_generated_people_are_consistent():
    people = _people(1, 3000)
    ids = [p[1] for p in people]
    assert len(ids) == len(set(ids)) == 3000
    for person in people:
        born = date.fromisoformat(person[4])
        personal_id.validate(person[1], sex=person[5], date_of_birth=born)
        assert person[3] == fold(person[2])


def test_reserved_ids_are_never_generated():
    everyone = {p[1] for p in _people(3, 2000)}
    reserved = set(list(everyone)[:50])
    again = {person[1] for _, members in PopulationGenerator(3, reserved).households(2000) for person in members}
    assert not reserved & again


def test_bulk_load_writes_valid_rows(database_server):
    engine = make_engine(database_server())
    report = bulk_load_population(engine, citizens=60_000, seed=5)  # above the drop-indexes threshold
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM citizens")).scalar_one()
        heads = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM households h JOIN citizens c ON c.id = h.head_citizen_id "
                "WHERE c.household_id = h.id"
            )
        ).scalar_one()
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes("citizens")}
    engine.dispose()
    assert count == report.citizens == 60_000
    assert heads == report.households
    assert "ix_citizens_name_folded" in indexes
