"""Consent receipts: one model and one service for every recipient (hospital kiosks, relying parties)."""
