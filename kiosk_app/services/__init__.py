"""What the kiosk's screens use but never touch directly: the API client, the device workers, the outbox."""
