"""Bulk verification of agency records against the population registry (đối soát, làm sạch dữ liệu)."""
