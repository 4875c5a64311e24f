"""Identity accounts (tài khoản định danh điện tử, levels 1 and 2), login, tokens and access policy."""
