"""Chip Authentication replayed against APDU traces of real passports, as published with gmrtd's tests
(github.com/gmrtd/gmrtd, chipauth/chip_auth_test.go: TestChipAuthAT, TestChipAuthDE, TestChipAuthFR). Each
trace gives the chip's DG14, the secure messaging session before CA (keys and send sequence counter), the
terminal's ephemeral key, every protected APDU both ways, and the session keys after CA. Our reader must
produce byte-identical commands, accept the chip's protected answers, and end with the same keys and SSC 2
(SSC restarted at 0, then one command and its response under the new keys).

The Malaysian trace of the same file (id-CA-ECDH-3DES with MSE:Set AT + GENERAL AUTHENTICATE) is not
replayed: ICAO 9303-11 6.2.4 runs 3DES chip authentication with MSE:Set KAT, which is what we send."""

from __future__ import annotations

import pytest

from hardware.smartcard import chip_auth
from hardware.smartcard.apdu import CommandAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.lds import dg14
from hardware.smartcard.sm import AesCipher, SecureMessaging, TdesCipher

H = bytes.fromhex

_BRAINPOOL_SPKI = (
    "308201333081EC06072A8648CE3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D72"
    "6E3BF623D52620282013481D1F6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9"
    "042026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9CB7E57CB2C4B482FFC81B7"
    "AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997022100"
    "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7020101034200"
)

TRACES = {
    "AT": {
        "dg14": "6E82017E3182017A300D060804007F0007020202020101300F060A04007F000702020302020201013012060A04007F0007"
        "020204020202010202010D30820142060904007F000702020102" + _BRAINPOOL_SPKI + "041983917269AC877C0B61544C2C0220"
        "00D2A5ABA723E2D80141E648B40911DC3459761F27480E4B57181A53D8FE1190EA86C939AC14363178CAFFC621F0F905C3",
        "before": (
            AesCipher,
            "524170DE3419B7AF2F23E45AD6EF9595",
            "97893F5FDC29A5C13A924FE7D8ED44FD",
            "000000000000000000000000000000F0",
        ),
        "ephemeral": (
            "80EBAFC8A51BECD4D90BB640EE38C9FD5C12748D28AAA37096B98C4533C4F5F5",
            "4827C781BE1AC7A00B351214FD783AC76D99E831A6316C8FD6DE7BD96CFA31DA",
        ),
        "exchange": [
            (
                "0C2241A41D8711015D8F69B1EA365CCE4304970DB12421F38E085340D338128085E700",
                "990290008E083F5136E82A6C34779000",
            ),
            (
                "0C860000608751019E18F1BA79D805379752BB560EB70AAC3CE3BC5AFE2FDD4AEB325CA8B578B4A93B9F66A5DF40005F8E"
                "878535251D33DD974AAF77FB858773E5799FA9DC1034E89B1150EC7F0BB3DB4BF37A1B9EA4458A9701008E089D204D950C0B"
                "95DB00",
                "8711010B0A5DFFC7432DE4DEB604291377A05B990290008E08B3384A1F5D1579739000",
            ),
            (
                "0CA4020C1D8711011B2EE500E84960DF7F37AFE7ADFF53838E084500F3B43E192A5700",
                "990290008E0803C4B125B4218CEF9000",
            ),
        ],
        "after": (AesCipher, "C8E27260EFD3F318D18C080CBF11C7E6", "A942190365204A21409EB28B52BF9160"),
    },
    "DE": {
        "dg14": "6E82019A31820196300D060804007F00070202020201013012060A04007F0007020204020202010202010D3012060A0400"
        "7F0007020204060202010202010D3013060A04007F00070202030202020101020200C330820146060904007F000702020102"
        + _BRAINPOOL_SPKI
        + "047036BC5D0BCF31913B59103BB6F2C0C98C99EF4C19B9517340B76BFE4EE2194C76C3F3314E021D4B"
        "092DB5A32AB7D6E297F2FBEAE45AA28DEFC4DA750FEAD54E020200C3",
        "before": (
            AesCipher,
            "CC86415F2ED7E8FD663B754265695AE1",
            "581E84B8EE06C4D3EEE30461498D7FB3",
            "000000000000000000000000000000BA",
        ),
        "ephemeral": (
            "84A5145885678EE9307C28C52736896267511203B7B8009C5FE27ABCBAECDCAA",
            "897FA47C895D35949A8DB8F776A62D775BDF764A1AA1BDC2D8FC96CD5C2E80E3",
        ),
        "exchange": [
            (
                "0C2241A41D871101980953D37F67558690045D78A853B18A8E08929767A2CEF172E200",
                "990290008E08FC873EBB62219C8A9000",
            ),
            (
                "0C8600006087510161912C367A6322D24AA1D4522DC47A7345369257672DF1D1163D506EB6489395D8083FAD393A394297"
                "CE8703C42F22C864C1F4C8E70EE1CF9B497ACF6579190D90F36CF9E16FE2149FF57247285D9E1E9701008E08A1D7A16EFBFD"
                "932C00",
                "87110123E7159AC9B0EF92CE1F6755B89697E3990290008E088972F1595E1508C29000",
            ),
            (
                "0CA4020C1D871101FAD37EADBCDE7E6A0833035A9FFF5B708E0836560BBCE1FECD5F00",
                "990290008E0829D0E1EBBB61BE7A9000",
            ),
        ],
        "after": (AesCipher, "AF0EEDB52E87B945FC5503B1C6875C1C", "CEB85BEDCECFF1DD1E25DFB672C4A5BF"),
    },
    "FR": {
        "dg14": "6E82015E3182015A30820142060904007F000702020102308201333081EC06072A8648CE3D02013081E0020101302C0607"
        "2A8648CE3D0101022100FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF30440420FFFFFFFF00"
        "000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC04205AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53"
        "B0F63BCE3C3E27D2604B0441046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C2964FE342E2FE1A"
        "7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5022100FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA717"
        "9E84F3B9CAC2FC632551020101034200048367FC170D90AD53A28C6526A9C7EC4F5C59C4F7F5D992583F951A1654B4D1D63321"
        "63A33D82CBF245154887A8812ED9A55C15AD9D5C5C463851875BBA9AEABD3012060A04007F0007020204020402010202010C",
        "before": (
            AesCipher,
            "17DA5D46E356F5B31C3D65B1369EF531CA811EFFC76967D2B62335E1AD9FE5CB",
            "5CB99A25E6081581FAC80C8DA621087939B6BDE273F2F7C65693B3A0EA3051ED",
            "000000000000000000000000000000C6",
        ),
        "ephemeral": (
            "D9C3B06A4DCB735351429403FCB56DB520DC882512D775971F724D6112F96586",
            "334F809C8842A4C9316C19E52A0D6EA0285996C40FF6DB303CEF72099198C8AD",
        ),
        "exchange": [
            (
                "0C2241A65D8751013AE386873DF68BD7E9F8D7AB2E696CED29EEB8DA78D502645B5E97D566361341E2EAA56318F6D84BF0"
                "BC44F7808AFAF14798D16048AAB03545F017F557D2CCE9DEE724F099E3D643ABD0FB03E567D9B18E08F2D238DEDE5ABBF100",
                "990290008E089666AC14D11E8C2C9000",
            ),
            ("0CA4020C15870901DB66E918FE3525F98E08D870008CEA2BA80000", "990290008E08420DEA0A913418AE9000"),
        ],
        "after": (TdesCipher, "8AE910A12991FBFE5E37C2C726A2DF29", "1ADAC8970843D9BF8570737A04A8D50D"),
    },
}


class TraceChip:
    """Answers the trace's responses, asserting that each command is byte-identical to the trace's."""

    atr = b""

    def __init__(self, exchange):
        self.exchange = [(H(c), H(r)) for c, r in exchange]

    def transmit(self, raw: bytes) -> bytes:
        command, response = self.exchange.pop(0)
        assert raw.hex().upper() == command.hex().upper()
        return response


@pytest.mark.parametrize("country", sorted(TRACES))
def test_chip_authentication_reproduces_a_real_passport_trace(country):
    trace = TRACES[country]
    offer = chip_auth.interpret_dg14(dg14.parse(H(trace["dg14"])))
    assert not offer.problems
    (option,) = offer.options
    private, public_x = (int(v, 16) for v in trace["ephemeral"])
    agreement = option.key.agreement
    assert agreement.public_from_private(private)[1:33] == public_x.to_bytes(32, "big")

    cipher_type, ks_enc, ks_mac, ssc = trace["before"]
    chip = TraceChip(trace["exchange"])
    channel = CardChannel(chip)
    channel.secure_messaging = SecureMessaging(cipher_type(H(ks_enc), H(ks_mac)), H(ssc))
    result = chip_auth.perform_chip_authentication(channel, option, random=lambda n: private.to_bytes(n, "big"))
    assert result.passed, result
    # The first command under the new keys (SELECT DG14): its protected answer must verify.
    check_status(channel.send(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, H("010E"))), "SELECT DG14")
    assert not chip.exchange

    after_type, after_enc, after_mac = trace["after"]
    session = channel.secure_messaging
    assert isinstance(session.cipher, after_type)
    assert (session.cipher.ks_enc, session.cipher.ks_mac) == (H(after_enc), H(after_mac))
    assert int.from_bytes(session.ssc, "big") == 2 and len(session.ssc) == session.cipher.block_size
