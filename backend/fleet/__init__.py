"""Kiosk fleet administration (quản lý ki-ốt): enrollment, device identity, telemetry, signed
configuration and remote commands, and the fleet admins' dashboard."""
