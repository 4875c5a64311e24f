"""Dashboard wording: Vietnamese first, English second."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "fleet": ("Quản lý ki-ốt", "Kiosk fleet"),
    "overview": ("Tổng quan", "Overview"),
    "alerts": ("Cảnh báo", "Alerts"),
    "codes": ("Mã đăng ký", "Enrollment codes"),
    "profiles": ("Cấu hình", "Configuration"),
    "logout": ("Đăng xuất", "Log out"),
    "login": ("Đăng nhập", "Log in"),
    # connectivity and status
    "online": ("Trực tuyến", "Online"),
    "offline": ("Mất kết nối", "Offline"),
    "never_seen": ("Chưa kết nối", "Never seen"),
    "active": ("Hoạt động", "Active"),
    "suspended": ("Tạm ngưng", "Suspended"),
    "decommissioned": ("Đã thu hồi", "Decommissioned"),
    "locked": ("Đang khoá", "Locked"),
    # commands
    "reload_config": ("Tải lại cấu hình", "Reload configuration"),
    "restart_app": ("Khởi động lại ứng dụng", "Restart app"),
    "lock": ("Khoá máy", "Lock"),
    "unlock": ("Mở khoá", "Unlock"),
    "flush_outbox": ("Gửi dữ liệu tồn", "Flush outbox"),
    "collect_diagnostics": ("Thu thập chẩn đoán", "Collect diagnostics"),
    "queued": ("Đang chờ", "Queued"),
    "delivered": ("Đã gửi", "Delivered"),
    "succeeded": ("Thành công", "Succeeded"),
    "failed": ("Thất bại", "Failed"),
    "expired": ("Hết hạn", "Expired"),
    "used": ("Đã dùng", "Used"),
    # devices
    "card_reader": ("Đầu đọc thẻ", "Card reader"),
    "camera": ("Camera", "Camera"),
    "printer": ("Máy in", "Printer"),
    "ok": ("Tốt", "OK"),
    "error": ("Lỗi", "Error"),
    "missing": ("Không có", "Missing"),
    "paper_out": ("Hết giấy", "Out of paper"),
    # alerts
    "printer_out_of_paper": ("Máy in hết giấy", "Printer out of paper"),
    "read_success_low": ("Tỉ lệ đọc thẻ giảm", "Read-success rate low"),
    "help_requested": ("Bệnh nhân gọi nhân viên", "A patient called for staff"),
    "critical": ("Nghiêm trọng", "Critical"),
    "warning": ("Cảnh báo", "Warning"),
}


def label(key: str | None) -> tuple[str, str]:
    if key is None:
        return ("—", "—")
    return LABELS.get(key, (key, key))
