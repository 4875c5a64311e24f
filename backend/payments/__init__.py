"""Online payments: payment intents, the gateway adapter (with a simulated gateway), posting and receipts."""
