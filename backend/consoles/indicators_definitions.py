"""What each Project 06 (Đề án 06) indicator counts, in words for the dashboard page (Vietnamese first): the
numerator, the denominator and what a lost point is. indicators_data.py computes exactly these."""

from __future__ import annotations

from dataclasses import dataclass

ONLINE, ON_TIME, E_RESULTS, E_PAYMENT, LEVEL2 = "online", "on_time", "e_results", "e_payment", "level2"
LEVEL2_MIN_AGE = 14  # the age from which a citizen holds a chip ID card and may have a level-2 account


@dataclass(frozen=True)
class Definition:
    key: str
    vi: str
    en: str
    how_vi: str
    how_en: str
    lost_vi: str
    lost_en: str


DEFINITIONS = (
    Definition(
        ONLINE,
        "Tỷ lệ hồ sơ trực tuyến",
        "Online application rate",
        "Hồ sơ nộp trực tuyến (tạm trú, lý lịch tư pháp, liên thông khai sinh/khai tử) chia cho số hồ sơ đó cộng "
        "số giấy chứng sinh/giấy báo tử của bệnh viện mà gia đình không khai trực tuyến trong thời hạn luật định "
        "(60 ngày khai sinh, 15 ngày khai tử).",
        "Applications submitted online (temporary residence, judicial record, birth/death joint procedures) divided "
        "by those plus the hospitals' birth and death notices the family did not declare online within the legal "
        "period (60 days for a birth, 15 for a death).",
        "Giấy chứng sinh/báo tử không được khai trực tuyến đúng hạn",
        "Birth/death notices not declared online in time",
    ),
    Definition(
        ON_TIME,
        "Tỷ lệ giải quyết đúng hạn",
        "On-time rate",
        "Hồ sơ (tạm trú, lý lịch tư pháp, từng bước liên thông) có kết quả trong kỳ vào hoặc trước hạn luật định, "
        "chia cho số hồ sơ có kết quả trong kỳ cộng số hồ sơ chưa có kết quả mà quá hạn trong kỳ.",
        "Applications (temporary residence, judicial record, each joint-procedure step) decided in the period on or "
        "before their legal deadline, divided by those decided in the period plus those still open whose deadline "
        "passed in the period.",
        "Hồ sơ giải quyết trễ hạn hoặc đang quá hạn",
        "Applications decided late or overdue",
    ),
    Definition(
        E_RESULTS,
        "Tỷ lệ trả kết quả điện tử",
        "Electronic results rate",
        "Kết quả trả trong kỳ dưới dạng văn bản điện tử có chữ ký số (thông báo chấp thuận tạm trú, phiếu lý lịch "
        "tư pháp nhận bản điện tử) chia cho tổng số kết quả trả trong kỳ (kể cả phiếu chỉ gửi bản giấy qua bưu điện).",
        "Results issued in the period as signed electronic documents (temporary-residence approval notices, judicial "
        "record certificates delivered electronically) divided by all results issued in the period (including "
        "certificates sent on paper by post only).",
        "Kết quả chỉ trả bản giấy",
        "Results issued on paper only",
    ),
    Definition(
        E_PAYMENT,
        "Tỷ lệ thanh toán trực tuyến",
        "Online payment rate",
        "Khoản phí và tiền phạt thanh toán trực tuyến trong kỳ (biên lai điện tử) chia cho số khoản đó cộng số "
        "quyết định xử phạt hết hạn nộp trong kỳ mà chưa được nộp trực tuyến.",
        "Fees and fines paid online in the period (electronic receipts) divided by those plus the penalty decisions "
        "whose payment deadline passed in the period without an online payment.",
        "Tiền phạt hết hạn mà không nộp trực tuyến",
        "Fines past their deadline not paid online",
    ),
    Definition(
        LEVEL2,
        "Tỷ lệ kích hoạt định danh điện tử mức 2",
        "Level-2 electronic identity activation",
        f"Công dân còn sống từ {LEVEL2_MIN_AGE} tuổi trở lên (theo nơi thường trú) có tài khoản định danh điện tử "
        f"mức 2 vào cuối kỳ, chia cho số công dân đó.",
        f"Living citizens aged {LEVEL2_MIN_AGE} or over (by permanent residence) holding a level-2 electronic "
        "identity account at the end of the period, divided by all such citizens.",
        "Công dân đủ điều kiện chưa kích hoạt mức 2 (theo xã/phường)",
        "Eligible citizens without level 2 (by commune)",
    ),
)
BY_KEY = {d.key: d for d in DEFINITIONS}
