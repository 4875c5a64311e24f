"""Kiosk software updates: signed releases (a TUF repository), rollout waves and their health."""
