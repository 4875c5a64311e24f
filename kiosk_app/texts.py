"""Every label the kiosk shows, Vietnamese first then English."""

import re

TEXTS = {
    "hospital_welcome": ("Ki-ốt tiếp đón bệnh nhân", "Patient check-in kiosk"),
    "welcome_title": ("Xin chào!", "Welcome!"),
    "welcome_body": ("Đăng ký khám bệnh bằng thẻ căn cước gắn chip hoặc mã QR — chỉ mất chưa đến một phút.",
                     "Check in with your chip ID card or a QR code — it takes less than a minute."),
    "start_vi": ("Bắt đầu — Tiếng Việt", "Bắt đầu — Tiếng Việt"),
    "start_en": ("Start — English", "Start — English"),
    "identify_title": ("Bạn muốn xác thực bằng cách nào?", "How would you like to identify?"),
    "method_card": ("Thẻ căn cước gắn chip\nĐưa mã QR mặt sau vào camera, rồi đặt thẻ lên đầu đọc",
                    "Chip ID card\nShow the QR on the back to the camera, then place the card on the reader"),
    "method_qr": ("Mã QR\nMã QR trên thẻ căn cước hoặc mã QR định danh trên ứng dụng",
                  "QR code\nThe QR on your ID card, or the identity QR in the app"),
    "method_typed": ("Trẻ em dưới 14 tuổi\nNhập số định danh và ngày sinh",
                     "Children under 14\nType the ID number and date of birth"),
    "please_wait": ("Vui lòng chờ", "Please wait"),
    "reading": ("Đang đọc… Vui lòng giữ yên thẻ hoặc mã QR.", "Reading… Please hold the card or QR still."),
    "checking": ("Đang kiểm tra thông tin…", "Checking your details…"),
    "issuing": ("Đang lấy số thứ tự…", "Getting your queue number…"),
    "typed_title": ("Nhập số định danh và ngày sinh", "Type the ID number and date of birth"),
    "typed_id": ("Số định danh (12 số)", "ID number (12 digits)"),
    "typed_dob": ("Ngày sinh (ngày tháng năm)", "Date of birth (day month year)"),
    "typed_next": ("Tiếp tục", "Continue"),
    "clear": ("Xoá", "Clear"),
    "confirm_title": ("Đây có phải là bạn?", "Is this you?"),
    "confirm_yes": ("Đúng, tiếp tục", "Yes, continue"),
    "confirm_no": ("Không phải tôi", "Not me"),
    # The staff line of the confirm screen: how the identity was proven.
    "trust_chip_verified": ("Dành cho nhân viên: chip đã xác thực, thẻ thật",
                            "For staff: chip verified, genuine card"),
    "trust_chip_data_only": ("Dành cho nhân viên: dữ liệu chip hợp lệ, chưa chứng minh được chip thật",
                             "For staff: chip data authentic, chip not proven genuine"),
    "trust_signed_qr": ("Dành cho nhân viên: mã QR của ứng dụng, chữ ký hợp lệ",
                        "For staff: app QR code, signature valid"),
    "trust_cccd_qr": ("Dành cho nhân viên: mã QR trên thẻ, chưa xác thực", "For staff: card QR code, not verified"),
    "trust_typed": ("Dành cho nhân viên: nhập tay, đối chiếu với cơ sở dữ liệu",
                    "For staff: typed in, matched against the registry"),
    "insurance_title": ("Bảo hiểm y tế", "Health insurance"),
    "insurance_next": ("Chọn khoa khám", "Choose a department"),
    "offline_badge": ("Đang ngoại tuyến — số thứ tự tạm", "Offline — provisional number"),
    "department_title": ("Chọn khoa / phòng khám", "Choose a department or clinic"),
    "closed": ("Đang đóng cửa", "Closed now"),
    "ticket_title": ("Số thứ tự của bạn", "Your queue number"),
    "ticket_provisional": ("SỐ TẠM — ki-ốt đang ngoại tuyến. Số sẽ được xác nhận khi có mạng.",
                           "PROVISIONAL — the kiosk is offline. The number is confirmed once it reconnects."),
    "ticket_existing": ("Bạn đã có số này hôm nay.", "You already have this number today."),
    "ticket_ahead": ("Số người đang chờ trước bạn: {n}", "People waiting before you: {n}"),
    "ticket_take": ("Vui lòng nhận phiếu in bên dưới.", "Please take your printed ticket below."),
    "done": ("Xong", "Done"),
    "back": ("‹ Quay lại", "‹ Back"),
    "cancel": ("Huỷ", "Cancel"),
    "error_title": ("Chưa hoàn tất được", "Not completed"),
    "try_again": ("Thử lại", "Try again"),
    "language": ("English", "Tiếng Việt"),
    "locked_title": ("Ki-ốt tạm ngừng phục vụ", "This kiosk is out of service"),
    "locked_body": ("Xin lỗi vì sự bất tiện. Vui lòng đến quầy tiếp đón số 1 để đăng ký khám.",
                    "Sorry for the inconvenience. Please go to reception counter 1 to check in."),
}


def text(key: str, language: str, **values) -> str:
    vi, en = TEXTS[key]
    chosen = vi if language == "vi" else en
    return chosen.format(**values) if values else chosen


# The backend names a department's location in Vietnamese only ("Tầng 2, nhà A"); the usual words are
# translated here so an English-speaking patient can find the room. Anything else is shown as it is.
_LOCATION_WORDS = ((re.compile(r"\btầng\s+(\w+)", re.IGNORECASE), "Floor \\1"),
                   (re.compile(r"\bnhà\s+(\w+)", re.IGNORECASE), "Building \\1"),
                   (re.compile(r"\bphòng\s+(\w+)", re.IGNORECASE), "Room \\1"),
                   (re.compile(r"\bkhu\s+(\w+)", re.IGNORECASE), "Block \\1"))


def location_text(location: str, language: str) -> str:
    if language == "vi" or not location:
        return location
    for pattern, english in _LOCATION_WORDS:
        location = pattern.sub(english, location)
    return location
