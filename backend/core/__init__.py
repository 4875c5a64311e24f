"""The kernel every domain stands on: who is calling (access), what time it is (clock), how a request's writes
are committed (unit_of_work) and made to happen once per key (idempotency). It imports no domain package."""
