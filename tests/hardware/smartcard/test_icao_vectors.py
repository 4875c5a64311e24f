"""ICAO Doc 9303 Part 11, Appendix D worked example (D.2 key derivation, D.3 BAC mutual authentication,
D.4 secure messaging). Values copied from the standard's worked example, as also asserted by the public
test suites zienit/icao-examples (BACTest, SMTest) and gmrtd (bac_test.go, secure_messaging_test.go)."""

from hardware.smartcard import bac, crypto
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.sm import SecureMessaging, TdesCipher

H = bytes.fromhex

# D.2
DOC_NUMBER, BIRTH, EXPIRY = "L898902C<", "690806", "940623"
MRZ_INFORMATION = "L898902C<369080619406236"
K_SEED = H("239AB9CB282DAF66231DC5A4DF6BFBAE")
K_ENC = H("AB94FDECF2674FDFB9B391F85D7F76F2")
K_MAC = H("7962D9ECE03D1ACD4C76089DCE131543")
# D.3
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
E_IFD = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
M_IFD = H("5F1448EEA8AD90A7")
EXTERNAL_AUTHENTICATE = H(
    "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728"
)
RESP_DATA = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")
K_IC = H("0B4F80323EB3191CB04970CB4052790B")
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = H("887022120C06C226")


def test_check_digits():
    assert crypto.check_digit("L898902C<") == "3"
    assert crypto.check_digit(BIRTH) == "1"
    assert crypto.check_digit(EXPIRY) == "6"


def test_key_derivation():
    key = AccessKey("L898902C", BIRTH, EXPIRY)  # '<' filler is added by mrz_information
    assert key.mrz_information == MRZ_INFORMATION
    assert bac.key_seed(key) == K_SEED
    keys = bac.derive_keys(key)
    assert keys.k_enc == K_ENC
    assert keys.k_mac == K_MAC
    # Before parity adjustment (intermediate values of D.2)
    assert crypto.kdf(K_SEED, 1)[:8] == crypto.adjust_parity(H("AB94FCEDF2664EDF"))


def test_mutual_authentication():
    keys = bac.BacKeys(K_ENC, K_MAC)
    request = bac.authentication_request(keys, RND_IC, RND_IFD, K_IFD)
    assert request == E_IFD + M_IFD
    assert CommandAPDU(0x00, 0x82, 0x00, 0x00, request, le=40).to_bytes() == EXTERNAL_AUTHENTICATE
    session = bac.session_from_response(keys, RESP_DATA, RND_IC, RND_IFD, K_IFD)
    assert session.cipher.ks_enc == KS_ENC
    assert session.cipher.ks_mac == KS_MAC
    assert session.ssc == SSC
    assert crypto.tdes_decrypt(K_ENC, RESP_DATA[:32])[16:] == K_IC


def test_chip_side_answers_like_the_example():
    keys = bac.BacKeys(K_ENC, K_MAC)
    answer, session = bac.chip_answer(keys, E_IFD + M_IFD, RND_IC, random=lambda n: K_IC)
    assert answer == RESP_DATA
    assert session.ssc == SSC


def test_retail_mac_of_e_ifd():
    padded = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F28000000000000000")
    assert crypto.pad(E_IFD) == padded
    assert crypto.retail_mac(K_MAC, padded) == M_IFD


def test_secure_messaging_exchange():
    """D.4: SELECT EF.COM, READ BINARY 4 bytes, READ BINARY the remaining 18."""
    ifd = SecureMessaging(TdesCipher(KS_ENC, KS_MAC), SSC)
    steps = [
        (
            CommandAPDU(0x00, 0xA4, 0x02, 0x0C, H("011E")),
            H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"),
            H("990290008E08FA855A5D4C50A8ED9000"),
            b"",
        ),
        (
            CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=4),
            H("0CB000000D9701048E08ED6705417E96BA5500"),
            H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"),
            H("60145F01"),
        ),
        (
            CommandAPDU(0x00, 0xB0, 0x00, 0x04, le=0x12),
            H("0CB000040D9701128E082EA28A70F3C7B53500"),
            H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"),
            H("04303130365F36063034303030305C026175"),
        ),
    ]
    ef_com = b""
    for plain, protected, response, data in steps:
        assert plain.to_bytes() in (H("00A4020C02011E"), H("00B0000004"), H("00B0000412"))
        assert ifd.wrap_command(plain).to_bytes() == protected
        unwrapped = ifd.unwrap_response(ResponseAPDU.from_bytes(response))
        assert unwrapped.sw == 0x9000
        assert unwrapped.data == data
        ef_com += data
    assert ifd.ssc == H("887022120C06C22C")
    assert ef_com == H("60145F0104303130365F36063034303030305C026175")


def test_secure_messaging_intermediate_values():
    """D.4 SELECT EF.COM: encrypted data, the MAC input N and the checksum."""
    assert crypto.tdes_encrypt(KS_ENC, crypto.pad(H("011E"))) == H("6375432908C044F6")
    n = H("887022120C06C2270CA4020C800000008709016375432908C044F68000000000")
    assert crypto.retail_mac(KS_MAC, n) == H("BF8B92D635FF24F8")
    k = H("887022120C06C2289902900080000000")
    assert crypto.retail_mac(KS_MAC, k) == H("FA855A5D4C50A8ED")


def test_chip_side_reproduces_the_example():
    chip = SecureMessaging(TdesCipher(KS_ENC, KS_MAC), SSC)
    select = chip.unwrap_command(CommandAPDU.from_bytes(H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")))
    assert select.data == H("011E") and select.cla == 0x00
    assert chip.wrap_response(ResponseAPDU(b"", 0x9000)).to_bytes() == H("990290008E08FA855A5D4C50A8ED9000")
    read = chip.unwrap_command(CommandAPDU.from_bytes(H("0CB000000D9701048E08ED6705417E96BA5500")))
    assert (read.ins, read.p1, read.p2, read.le) == (0xB0, 0, 0, 4)
    assert chip.wrap_response(ResponseAPDU(H("60145F01"), 0x9000)).to_bytes() == H(
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"
    )
