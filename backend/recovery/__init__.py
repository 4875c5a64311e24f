"""Account recovery at a kiosk or an officer's desk (chip card + face), and the citizen's own account lock."""
