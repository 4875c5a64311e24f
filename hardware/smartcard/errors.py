"""Typed errors of the chip-card stack. Each says, in ``user_message`` (vi / en), what a kiosk can show."""

from __future__ import annotations

from hardware.errors import HardwareError, NoDevice


class SmartcardError(HardwareError):
    """Base of every chip-card error."""

    user_message_vi = "Không đọc được chip của thẻ. Vui lòng đặt lại thẻ và thử lại."
    user_message_en = "The card chip could not be read. Please place the card again and retry."


class NoReader(SmartcardError, NoDevice):
    """No PC/SC reader (or not the configured one), or the PC/SC service is not running."""

    user_message_vi = "Không tìm thấy đầu đọc thẻ. Vui lòng liên hệ nhân viên."
    user_message_en = "The card reader was not found. Please ask a staff member."


class NoCard(SmartcardError):
    """A reader is present but no card lies on it."""

    user_message_vi = "Chưa có thẻ trên đầu đọc. Vui lòng đặt thẻ căn cước lên đầu đọc."
    user_message_en = "No card on the reader. Please place your ID card on the reader."


class CardRemoved(SmartcardError):
    """The card left the reader's field in the middle of an exchange."""

    user_message_vi = "Thẻ đã bị nhấc ra khi đang đọc. Vui lòng giữ yên thẻ và thử lại."
    user_message_en = "The card was removed while reading. Please keep it still and try again."


class TransportError(SmartcardError):
    """The reader or the link to the card failed (not the card's own answer)."""


class CardStatusError(SmartcardError):
    """The card answered with an error status word."""

    def __init__(self, message: str, sw: int | None = None) -> None:
        super().__init__(message)
        self.sw = sw


class AccessDenied(CardStatusError):
    """Access control failed: the key from the MRZ / QR does not open this chip (SW 6300)."""

    user_message_vi = "Không mở được chip: thông tin MRZ/QR không khớp với thẻ. Vui lòng quét lại mặt sau thẻ."
    user_message_en = "The chip did not accept the key from the MRZ/QR. Please scan the back of the card again."


class SecurityStatusNotSatisfied(CardStatusError):
    """The file needs an access right we do not have (SW 6982), e.g. DG3 behind extended access control."""

    user_message_vi = "Chip từ chối truy cập dữ liệu này."
    user_message_en = "The chip refused access to this data."


class FileNotFound(CardStatusError):
    """The file or application is not on the chip (SW 6A82)."""

    user_message_vi = "Thẻ không có dữ liệu được yêu cầu. Thẻ có thể không phải thẻ căn cước gắn chip."
    user_message_en = "The card does not hold the requested data. It may not be a chip ID card."


class UnsupportedCommand(CardStatusError):
    """The card does not support the instruction, class or parameters (SW 6D00, 6E00, 6A86, 6B00...)."""


class WrongLength(CardStatusError):
    """The card rejected the length of a command (SW 6700 / 6Cxx)."""


class SecureMessagingError(SmartcardError):
    """A protected response failed verification (MAC, padding, missing objects), or the card ended
    the secure session."""

    user_message_vi = "Kết nối bảo mật với chip bị lỗi. Vui lòng đặt lại thẻ và thử lại."
    user_message_en = "The secure link to the chip failed. Please place the card again and retry."


class InvalidAccessKey(SmartcardError, ValueError):
    """The document number, birth or expiry date given to open the chip is not well formed."""

    user_message_vi = "Thông tin để mở chip không hợp lệ. Vui lòng quét lại mặt sau thẻ."
    user_message_en = "The data to open the chip is not valid. Please scan the back of the card again."


class MalformedData(SmartcardError, ValueError):
    """Bytes from the card (TLV, LDS file, MRZ, certificate) do not follow the expected structure."""

    user_message_vi = "Dữ liệu trong chip không hợp lệ. Vui lòng liên hệ nhân viên."
    user_message_en = "The data on the chip is not valid. Please ask a staff member."


class MalformedTlv(MalformedData):
    """A BER-TLV object is truncated or its tag or length is not encoded correctly."""


class UnexpectedTag(MalformedData):
    """A TLV object carries a tag other than the one the structure requires."""

    def __init__(self, message: str, tag: int | None = None) -> None:
        super().__init__(message)
        self.tag = tag


class InvalidMrz(MalformedData):
    """An MRZ has the wrong shape or a check digit that does not match."""


class AuthenticationError(SmartcardError):
    """The chip's data or the chip itself could not be shown to be genuine."""

    # Not "the card may have been altered": usually it is the reader or the read, and staff can check.
    user_message_vi = (
        "Chưa xác nhận được thẻ căn cước này. Vui lòng đến quầy tiếp đón để nhân viên hỗ trợ kiểm tra thẻ."
    )
    user_message_en = "This ID card could not be confirmed. Please go to the reception desk; staff will check it."


class HashMismatch(AuthenticationError):
    """A data group's hash differs from the one signed in EF.SOD (or is missing from it)."""


class InvalidSignature(AuthenticationError):
    """The EF.SOD signature does not verify with the Document Signer certificate."""


class UntrustedSigner(AuthenticationError):
    """The Document Signer certificate does not chain to a CSCA in the configured trust store."""


class ActiveAuthenticationFailed(AuthenticationError):
    """The chip's INTERNAL AUTHENTICATE signature does not verify with the DG15 key (possible clone)."""


class DataGroupMissing(AuthenticationError):
    """A data group that the signed EF.SOD lists is absent from the chip or could not be read."""

    def __init__(self, message: str, numbers: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.numbers = numbers


class ChipAuthenticationFailed(AuthenticationError):
    """DG14 declares chip authentication, but the chip refused it or could not continue secure messaging
    under the agreed keys (it does not hold the DG14 private key: possible clone)."""


class ChipNotProven(AuthenticationError):
    """The signed files declare an anti-cloning mechanism that this read could not perform."""


class DocumentExpired(SmartcardError):
    """The document's date of expiry has passed."""

    user_message_vi = "Thẻ căn cước đã hết hạn. Vui lòng làm thủ tục cấp đổi thẻ."
    user_message_en = "The ID card has expired. Please apply for a new card."


class TrustStoreError(SmartcardError):
    """The configured CSCA trust store cannot be read (missing folder, unreadable certificate)."""

    user_message_vi = "Cấu hình xác thực thẻ bị lỗi. Vui lòng liên hệ nhân viên."
    user_message_en = "Card verification is misconfigured. Please ask a staff member."
