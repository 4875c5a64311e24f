"""Identification evidence the backend verifies itself: chip reads (passive and active authentication)."""
