"""Residence services: temporary-residence registration (đăng ký tạm trú), extension, deregistration,
accommodation notices (thông báo lưu trú) and residence confirmations (xác nhận thông tin về cư trú)."""
