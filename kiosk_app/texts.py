"""Every label the kiosk shows, Vietnamese first then English."""

import re

TEXTS = {
    "hospital_welcome": ("Ki-ốt tiếp đón bệnh nhân", "Patient check-in kiosk"),
    "welcome_title": ("Xin chào!", "Welcome!"),
    "welcome_body": (
        "Đăng ký khám bệnh bằng thẻ căn cước gắn chip hoặc mã QR — chỉ mất chưa đến một phút.",
        "Check in with your chip ID card or a QR code — it takes less than a minute.",
    ),
    "start_vi": ("Bắt đầu — Tiếng Việt", "Bắt đầu — Tiếng Việt"),
    "start_en": ("Start — English", "Start — English"),
    "identify_title": ("Bạn muốn xác thực bằng cách nào?", "How would you like to identify?"),
    "method_card": (
        "Thẻ căn cước gắn chip\nĐưa mã QR mặt sau vào camera, rồi đặt thẻ lên đầu đọc",
        "Chip ID card\nShow the QR on the back to the camera, then place the card on the reader",
    ),
    "method_qr": (
        "Mã QR\nMã QR trên thẻ căn cước hoặc mã QR định danh trên ứng dụng",
        "QR code\nThe QR on your ID card, or the identity QR in the app",
    ),
    "method_typed": (
        "Trẻ em dưới 14 tuổi\nNhập số định danh và ngày sinh",
        "Children under 14\nType the ID number and date of birth",
    ),
    "please_wait": ("Vui lòng chờ", "Please wait"),
    "reading": ("Đang đọc… Vui lòng giữ yên thẻ hoặc mã QR.", "Reading… Please hold the card or QR still."),
    "checking": ("Đang kiểm tra thông tin…", "Checking your details…"),
    "issuing": ("Đang lấy số thứ tự…", "Getting your queue number…"),
    "typed_title": ("Nhập số định danh và ngày sinh của trẻ", "Type the child's ID number and date of birth"),
    "typed_title_staff": ("Nhân viên nhập số định danh và ngày sinh", "Staff: type the ID number and date of birth"),
    "typed_id": ("Số định danh (12 số)", "ID number (12 digits)"),
    "typed_dob": ("Ngày sinh (ngày tháng năm)", "Date of birth (day month year)"),
    "typed_next": ("Tiếp tục", "Continue"),
    "clear": ("Xoá hết", "Clear all"),
    "backspace": ("‹ Xoá 1 số", "‹ Delete"),
    "confirm_title": ("Đây có phải là bạn?", "Is this you?"),
    "confirm_yes": ("Đúng, tiếp tục", "Yes, continue"),
    "confirm_no": ("‹ Không phải tôi", "‹ Not me"),
    "confirm_title_child": ("Đây có phải là trẻ bạn đưa đi khám?", "Is this the child you are checking in?"),
    "confirm_no_child": ("‹ Không phải trẻ này", "‹ Not this child"),
    # The staff line of the confirm screen: how the identity was proven.
    "trust_chip_verified": ("Dành cho nhân viên: chip đã xác thực, thẻ thật", "For staff: chip verified, genuine card"),
    "trust_chip_data_only": (
        "Dành cho nhân viên: dữ liệu chip hợp lệ, chưa chứng minh được chip thật",
        "For staff: chip data authentic, chip not proven genuine",
    ),
    "trust_signed_qr": (
        "Dành cho nhân viên: mã QR của ứng dụng, chữ ký hợp lệ",
        "For staff: app QR code, signature valid",
    ),
    "trust_cccd_qr": ("Dành cho nhân viên: mã QR trên thẻ, chưa xác thực", "For staff: card QR code, not verified"),
    "trust_typed": (
        "Dành cho nhân viên: nhập tay, đối chiếu với cơ sở dữ liệu",
        "For staff: typed in, matched against the registry",
    ),
    "insurance_title": ("Bảo hiểm y tế", "Health insurance"),
    "insurance_next": ("Chọn khoa khám", "Choose a department"),
    "insurance_choose": ("Bạn muốn khám theo hình thức nào?", "How do you want to be seen?"),
    "pay_insured": ("Khám BHYT", "Insured visit"),
    "pay_self": ("Khám dịch vụ (tự chi trả)", "Self-paid visit"),
    "offline_badge": (
        "Ki-ốt đang mất kết nối mạng: số thứ tự sẽ là số tạm.",
        "The kiosk has no connection: your number will be provisional.",
    ),
    "department_title": ("Chọn phòng khám", "Choose a clinic"),
    "department_code": ("mã {code}", "code {code}"),
    "closed": ("Đang đóng cửa", "Closed now"),
    "ticket_title": ("Số thứ tự của bạn", "Your queue number"),
    "ticket_provisional": (
        "SỐ TẠM — ki-ốt đang ngoại tuyến. Số sẽ được xác nhận khi có mạng.",
        "PROVISIONAL — the kiosk is offline. The number is confirmed once it reconnects.",
    ),
    "ticket_existing": ("Bạn đã có số này hôm nay.", "You already have this number today."),
    "ticket_ahead": ("Số người đang chờ trước bạn: {n}", "People waiting before you: {n}"),
    "ticket_wait": ("Thời gian chờ ước tính: khoảng {minutes} phút", "Estimated wait: about {minutes} minutes"),
    "ticket_wait_unknown": ("Số người chờ: chưa biết (ki-ốt mất kết nối)", "People waiting: not known (offline)"),
    "ticket_go": ("Đến: {place}", "Go to: {place}"),
    "ticket_take": ("Vui lòng nhận phiếu in ở khe máy in.", "Please take your printed ticket from the printer slot."),
    "ticket_not_printed": (
        "MÁY IN CHƯA IN ĐƯỢC PHIẾU. Hãy nhớ số {number} (hoặc chụp ảnh màn hình này), "
        "rồi đến {place}. Nhân viên đã được báo.",
        "THE TICKET DID NOT PRINT. Remember number {number} (or take a photo of this screen), "
        "then go to {place}. Staff have been told.",
    ),
    "done": ("Xong ›", "Done ›"),
    "back": ("‹ Quay lại", "‹ Back"),
    "cancel": ("Huỷ", "Cancel"),
    "error_title": ("Chưa hoàn tất được", "Not completed"),
    "try_again": ("‹ Thử lại", "‹ Try again"),
    "steps": ("Xác thực|Xác nhận|Bảo hiểm|Phòng khám|Số thứ tự", "Identify|Confirm|Insurance|Clinic|Ticket"),
    "help": ("Gọi nhân viên", "Call staff"),
    "help_sending": ("Đang gọi nhân viên…", "Calling staff…"),
    "help_coming": (
        "Đã gọi nhân viên — nhân viên đang đến. Vui lòng chờ tại đây.",
        "Staff have been called and are on their way. Please wait here.",
    ),
    "help_failed": (
        "Chưa gọi được nhân viên. Vui lòng đến quầy tiếp đón số 1.",
        "Staff could not be called. Please go to reception counter 1.",
    ),
    "large_text": ("Chữ to", "Large text"),
    "normal_text": ("Chữ thường", "Normal text"),
    "voice_off": ("Tắt tiếng", "Mute"),
    "voice_on": ("Bật tiếng", "Sound on"),
    "countdown": ("Còn {n} giây nữa màn hình sẽ trở về đầu.", "{n} seconds until the screen starts over."),
    "more_time": ("Tôi cần thêm thời gian", "I need more time"),
    "reading_card_title": ("Làm theo hai bước", "Two steps"),
    "reading_card_1": (
        "1. Đưa mặt sau thẻ (có mã QR) vào {camera}.",
        "1. Hold the back of the card (the QR) to {camera}.",
    ),
    "reading_card_2": (
        "2. Rồi đặt thẻ lên {reader}, giữ yên đến khi nghe tiếng chuông.",
        "2. Then place the card on {reader} and hold it still until you hear the chime.",
    ),
    "reading_qr": (
        "Đưa mã QR vào {camera}, giữ yên đến khi nghe tiếng chuông.",
        "Hold the QR code to {camera} and keep it still until you hear the chime.",
    ),
    "method_typed_offline": (
        "Trẻ em dưới 14 tuổi\nCần có mạng: lúc này vui lòng đến quầy tiếp đón số 1",
        "Children under 14\nNeeds a connection: for now, please go to reception counter 1",
    ),
    "method_qr_offline": (
        "Mã QR của ứng dụng\nLúc mất mạng, mã QR trên thẻ chưa dùng được",
        "The app's QR code\nWhile offline, the QR on the ID card cannot be used",
    ),
    "staff": ("Nhân viên", "Staff"),
    "recover_account": ("Khôi phục tài khoản", "Recover account"),
    "staff_pin_title": ("Nhân viên: nhập mã PIN", "Staff: type your PIN"),
    "assisted": (
        "Chế độ nhân viên hỗ trợ — mức tin cậy hiện ở bước 2",
        "Staff assisted mode — trust level shown at step 2",
    ),
    "camera": ("camera", "the camera"),
    "reader": ("đầu đọc thẻ", "the card reader"),
    "assisted_exit": ("Thoát", "Exit"),
    "ok": ("Xác nhận", "OK"),
    "language": ("English", "Tiếng Việt"),
    "locked_title": ("Ki-ốt tạm ngừng phục vụ", "This kiosk is out of service"),
    "locked_body": (
        "Xin lỗi vì sự bất tiện. Vui lòng đến quầy tiếp đón số 1 để đăng ký khám.",
        "Sorry for the inconvenience. Please go to reception counter 1 to check in.",
    ),
}


def text(key: str, language: str, **values) -> str:
    vi, en = TEXTS[key]
    chosen = vi if language == "vi" else en
    return chosen.format(**values) if values else chosen


# The backend names a department's location in Vietnamese only ("Tầng 2, nhà A"); the usual words are
# translated here so an English-speaking patient can find the room. Anything else is shown as it is.
_LOCATION_WORDS = (
    (re.compile(r"\btầng\s+(\w+)", re.IGNORECASE), "Floor \\1"),
    (re.compile(r"\bnhà\s+(\w+)", re.IGNORECASE), "Building \\1"),
    (re.compile(r"\bphòng\s+(\w+)", re.IGNORECASE), "Room \\1"),
    (re.compile(r"\bkhu\s+(\w+)", re.IGNORECASE), "Block \\1"),
)


def location_text(location: str, language: str) -> str:
    if language == "vi" or not location:
        return location
    for pattern, english in _LOCATION_WORDS:
        location = pattern.sub(english, location)
    return location
