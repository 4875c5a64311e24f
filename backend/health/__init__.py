"""Hospitals, departments and queues, BHYT coverage at check-in, and consent receipts (y tế)."""
