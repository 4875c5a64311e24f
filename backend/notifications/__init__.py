"""Citizens' notification inbox, and the outbox a push-delivery adapter drains."""
