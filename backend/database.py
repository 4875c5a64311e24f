"""Declarative base, column types and the request-scoped session. Nothing here commits by itself."""

from __future__ import annotations

import logging
import select
from datetime import datetime, timezone
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset, so store naive UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """The wall clock, read only by backend/core/clock.py (the service clock tests and demos can move)."""
    return datetime.now(timezone.utc)


_Row = TypeVar("_Row")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin: otherwise SAVEPOINTs
    # (nested transactions, the test suite's rollback-per-test) do not behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


_INSERTS: dict[sa.Table, sa.Insert] = {}


def insert_row(session: Session, obj: _Row) -> _Row:
    """INSERT one new ORM object at once and attach it to `session` as persistent, with every column as the
    database stored it (RETURNING), as `session.add(obj); session.flush()` would. By hand because the ORM's
    unit of work spends about as much CPU again as the statement itself on a one-row insert (issue 21: the
    check-in's consent receipt and check-in rows). For plain rows only: a single table, nothing to cascade;
    what the session holds pending is flushed first, in order, as before."""
    session.flush()
    mapper = sa.inspect(obj).mapper
    table = mapper.local_table
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS.setdefault(table, sa.insert(table).returning(*table.columns))
    given = obj.__dict__
    values = {prop.columns[0].name: given[prop.key] for prop in mapper.column_attrs if prop.key in given}
    row = session.execute(statement, values).one()._mapping
    for prop in mapper.column_attrs:
        setattr(obj, prop.key, row[prop.columns[0]])
    make_transient_to_detached(obj)  # as if loaded: no pending change, no history
    session.add(obj)
    return obj


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_IMMEDIATE = "congdan_sqlite_begin_immediate"
_READER = "congdan.reader"


def expect_writes() -> None:
    """The rest of this request begins its SQLite transactions IMMEDIATE (the unit of work says so when a read
    request's deferred transaction lost a race for the write lock: its retry should queue for the lock)."""
    if has_request_context():
        setattr(g, _IMMEDIATE, True)


def _begins_immediate() -> bool:
    # Outside a request (CLI, workers) and for requests that change something: take the write lock at BEGIN.
    # A read request (GET) begins DEFERRED, so two workers' reads run side by side under WAL instead of queueing
    # behind one lock. The few reads that also write (an access-log record of somebody else's read) upgrade at
    # their first write; if another writer got in first SQLite refuses the upgrade ("database is locked"), the
    # unit of work retries, and the retry begins IMMEDIATE (`expect_writes`).
    if not has_request_context() or request.method not in READ_METHODS:
        return True
    return bool(getattr(g, _IMMEDIATE, False))


def _sqlite_begin(connection: sa.Connection) -> None:
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_immediate() else "BEGIN")


def _closed_while_idle(dbapi_connection, _record, _proxy) -> None:
    # PostgreSQL: the pool's check at checkout, instead of a pre-ping's round trip (SELECT 1 before every request's
    # first statement; issue 21). An idle connection has nothing to say, so a socket with something to read means
    # the server ended it - a restart, pg_terminate_backend, an idle timeout send their message and close; a rare
    # asynchronous notice only costs a fresh connection. DisconnectionError makes the pool discard it and take
    # another (SQLAlchemy's documented pessimistic-disconnect hook). A connection cut silently, without a FIN, is not
    # seen here - nor by a pre-ping before its timeout; the unit of work retries what then fails (`committed`).
    if select.select([dbapi_connection.fileno()], [], [], 0)[0]:
        raise sa.exc.DisconnectionError("the server closed this idle connection")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # IMMEDIATE for writes: take the write lock at BEGIN. A deferred transaction that reads and then writes
        # fails at once with "database is locked" when another writer got in between (no busy wait).
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = sa.create_engine(url, echo=echo, pool_size=5, max_overflow=5)
    sa.event.listen(engine, "checkout", _closed_while_idle)
    return engine


def _refuse_writes(dbapi_connection, _record) -> None:
    # Once per connection: every statement on it runs read-only, so PostgreSQL itself refuses a write (SQLSTATE
    # 25006) instead of this code guessing from the SQL (a SELECT can call nextval(), take FOR UPDATE locks...).
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")


def _sqlite_refuse_writes(dbapi_connection, record) -> None:
    # SQLite's own read-only switch for this connection: any change to the database file is refused with
    # SQLITE_READONLY ("attempt to write a readonly database"), whatever the SQL looks like.
    _sqlite_pragmas(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA query_only = ON")


def _in_memory(url: str) -> bool:
    parsed = sa.engine.make_url(url)
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def make_reader_engine(url: str, *, echo: bool = False) -> Engine | None:
    """The connections of requests that only read (issue 21): autocommit and read-only. A read request in a
    transaction costs BEGIN, the SELECT and COMMIT (on PostgreSQL three round trips, four with the pre-ping the
    writer had); here it is the SELECT alone. Each statement is then its own transaction: under READ COMMITTED
    (PostgreSQL's default, what the writer runs) that is exactly what a statement inside a transaction sees, a fresh
    snapshot per statement; SQLite's reads, which under a DEFERRED transaction shared one snapshot, now behave the
    same way as PostgreSQL's. The database itself refuses any write (`is_read_only_refusal`). A PostgreSQL
    connection the server closed is replaced at checkout (`_closed_while_idle`), and one that dies under a read has
    written nothing, so the unit of work runs the request again on the writer (`committed`). None for an in-memory
    SQLite database, which a second pool would not share."""
    if url.startswith("sqlite"):
        if _in_memory(url):
            return None
        engine = sa.create_engine(
            url, echo=echo, connect_args={"check_same_thread": False}, isolation_level="AUTOCOMMIT"
        )
        sa.event.listen(engine, "connect", _sqlite_refuse_writes)
        return engine
    engine = sa.create_engine(url, echo=echo, pool_size=5, max_overflow=5, isolation_level="AUTOCOMMIT")
    sa.event.listen(engine, "connect", _refuse_writes)
    sa.event.listen(engine, "checkout", _closed_while_idle)
    return engine


def is_read_only_refusal(exc: BaseException) -> bool:
    """The database refused a write on a reader connection: PostgreSQL's SQLSTATE 25006
    (read_only_sql_transaction), SQLite's SQLITE_READONLY."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "25006" or getattr(orig, "sqlite_errorname", None) == "SQLITE_READONLY"


class Database:
    """Owns the engine and hands each request its own Session (`db.session`)."""

    def init_app(self, app: Flask, url: str) -> None:
        echo = app.config.get("DATABASE_ECHO", False)
        engine = make_engine(url, echo=echo)
        reader = make_reader_engine(url, echo=echo)
        if reader is not None:
            # One dispose for both pools (tests and forks dispose `engine`).
            sa.event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
        app.extensions["congdan.db"] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
            "reader": reader,
            # Read endpoints (GET) seen to write - an access-log record of somebody else's read: their requests
            # go straight to the writer instead of being refused by the reader and run again each time.
            "writing_reads": set(),
        }
        app.teardown_appcontext(self._remove_session)

    def bind(self, app: Flask, connection: sa.Connection) -> None:
        """Tests: run every session inside an outer transaction on `connection` (rolled back later)."""
        app.extensions["congdan.db"]["sessionmaker"] = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        app.extensions["congdan.db"]["reader"] = None  # everything inside the test's transaction

    @property
    def engine(self) -> Engine:
        return current_app.extensions["congdan.db"]["engine"]

    def new_session(self, app: Flask | None = None) -> Session:
        app = app or current_app
        return app.extensions["congdan.db"]["sessionmaker"]()

    @property
    def session(self) -> Session:
        context = g._get_current_object()  # once: each access through the proxy looks the context up again
        session = context.get("db_session")
        if session is None:
            session = context.db_session = self._request_session()
        return session

    def _request_session(self) -> Session:
        state = current_app.extensions["congdan.db"]
        reader = state["reader"]
        if (
            reader is not None
            and has_request_context()
            and request.method in READ_METHODS
            and request.endpoint not in state["writing_reads"]
            and not getattr(g, _IMMEDIATE, False)
        ):
            session = state["sessionmaker"](bind=reader)
            session.info[_READER] = True
            return session
        return state["sessionmaker"]()

    def reader_session(self) -> Session | None:
        """A session of its own on the reader - no transaction, no lock, writes refused - for reads that must not
        join the request's transaction; None when there is no reader (in-memory SQLite, tests' bound sessions)."""
        state = current_app.extensions["congdan.db"]
        reader = state["reader"]
        if reader is None:
            return None
        session = state["sessionmaker"](bind=reader)
        session.info[_READER] = True
        return session

    @staticmethod
    def reads_only(session: Session) -> bool:
        """`session` runs on the read-only autocommit connections (`make_reader_engine`)."""
        return bool(session.info.get(_READER))

    def use_writer(self, session: Session, *, wrote: bool) -> None:
        """The rest of this request - the unit of work runs it again - reads and writes in a transaction on the
        writer: the reader refused a write (`wrote`: that endpoint goes to the writer from now on) or lost its
        connection."""
        session.rollback()
        if session.info.pop(_READER, None):
            state = current_app.extensions["congdan.db"]
            session.bind = state["engine"]
            if wrote:
                expect_writes()  # SQLite: the run again takes the write lock at BEGIN, it is known to write
                if has_request_context() and request.endpoint:
                    state["writing_reads"].add(request.endpoint)

    @staticmethod
    def _remove_session(_exc=None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            try:
                session.close()
            except sa.exc.DBAPIError:
                # The connection died after the response was made (a database restart): rolling back on
                # it fails here, outside every error handler. SQLAlchemy has invalidated it already; the
                # response stands, and the pool's checkout check gives the next request a live connection.
                logging.getLogger(__name__).warning("database connection lost while closing a session")
