"""Static-ephemeral key agreement for Chip Authentication (ICAO 9303-11 6.2, BSI TR-03110 v1): ECDH on the
standardized curves and DH on prime-order MODP groups, with the chip's public key read from a
SubjectPublicKeyInfo (named or explicit EC parameters, X9.42 DH parameters). Pure integers and bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from asn1crypto import core, keys

from hardware.smartcard.ec import STANDARD_CURVES, Curve
from hardware.smartcard.errors import MalformedData

#: Named-curve OIDs of the curves we run (secp256r1, brainpoolP256r1).
_CURVE_OIDS = {"1.2.840.10045.3.1.7": STANDARD_CURVES[12], "1.3.36.3.3.2.8.1.1.7": STANDARD_CURVES[13]}


@dataclass(frozen=True)
class DhGroup:
    """A MODP group with a prime-order subgroup: g generates the subgroup of order q in GF(p)*."""

    name: str
    p: int
    g: int
    q: int | None

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8


#: RFC 5114 2.2, "2048-bit MODP Group with 224-bit Prime Order Subgroup": ICAO 9303-11 9.5.1 parameter ID 1.
#: Cross-checked against OpenSSL's built-in copy (`openssl genpkey -genparam -algorithm DH -pkeyopt
#: dh_rfc5114:2`).
RFC5114_2048_224 = DhGroup(
    "RFC 5114 2048/224",
    p=int(
        "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A"
        "309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DB"
        "F6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310"
        "F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413"
        "042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
        16,
    ),
    g=int(
        "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D77"
        "00C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1E"
        "D409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051A"
        "E3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D"
        "6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
        16,
    ),
    q=int("801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB", 16),
)


@dataclass(frozen=True)
class EcdhAgreement:
    curve: Curve
    kind: str = "ECDH"

    def generate(self, random: Callable[[int], bytes]) -> tuple[int, bytes]:
        private = _scalar(self.curve.n, self.curve.size, random)
        return private, self.curve.encode_point(self.curve.multiply_generator(private))

    def public_from_private(self, private: int) -> bytes:
        return self.curve.encode_point(self.curve.multiply_generator(private))

    def shared_secret(self, private: int, peer_public: bytes) -> bytes:
        """x of private * peer (9303-11 9.6: the x-coordinate is the shared secret). The point is checked
        to lie on the curve, so a small-subgroup or invalid-curve key is refused (cofactor 1)."""
        return self.curve.ecdh_x(private, self.curve.decode_point(peer_public))


@dataclass(frozen=True)
class DhAgreement:
    group: DhGroup
    kind: str = "DH"

    def generate(self, random: Callable[[int], bytes]) -> tuple[int, bytes]:
        order = self.group.q or (self.group.p - 1)
        private = _scalar(order, (order.bit_length() + 7) // 8, random)
        return private, self.public_from_private(private)

    def public_from_private(self, private: int) -> bytes:
        return pow(self.group.g, private, self.group.p).to_bytes(self.group.size, "big")

    def shared_secret(self, private: int, peer_public: bytes) -> bytes:
        """g^(xy) mod p as an octet string of p's length (9303-11 9.6)."""
        group = self.group
        if not peer_public or len(peer_public) > group.size:
            raise MalformedData(f"a DH public key must be 1..{group.size} bytes")
        y = int.from_bytes(peer_public, "big")
        if not 1 < y < group.p - 1 or (group.q is not None and pow(y, group.q, group.p) != 1):
            raise MalformedData("the DH public key is not in the group's prime-order subgroup")
        return pow(y, private, group.p).to_bytes(group.size, "big")


KeyAgreement = Union[EcdhAgreement, DhAgreement]


def _scalar(order: int, size: int, random: Callable[[int], bytes]) -> int:
    while True:  # rejection sampling keeps the scalar uniform in [1, order-1]
        candidate = int.from_bytes(random(size), "big")
        if 0 < candidate < order:
            return candidate


@dataclass(frozen=True)
class StaticPublicKey:
    """The chip's static key agreement key (from DG14): its domain and its public value, encoded as the
    ephemeral keys are exchanged (X9.62 uncompressed point, or the big-endian DH value)."""

    agreement: KeyAgreement
    public: bytes


#: BSI TR-03110 standardizedDomainParameters: an AlgorithmIdentifier naming the domain by its ICAO ID.
ID_STANDARDIZED_DOMAIN_PARAMETERS = "0.4.0.127.0.7.1.2"


def _standardized(der: bytes) -> StaticPublicKey | None:
    """The EF.CardSecurity form (ICAO 9303-11 App. I): {standardizedDomainParameters, INTEGER id}."""
    from hardware.smartcard import tlv
    from hardware.smartcard.lds.security_infos import decode_oid

    try:
        algorithm, key = tlv.parse_single(der, 0x30).children()[:2]
        oid, parameter = algorithm.children()[:2]
    except (MalformedData, ValueError):
        return None
    if oid.tag != 0x06 or decode_oid(oid.value) != ID_STANDARDIZED_DOMAIN_PARAMETERS:
        return None
    if parameter.tag != 0x02 or key.tag != 0x03 or not key.value or key.value[0] != 0:
        raise MalformedData("standardized domain parameters key is not {INTEGER id, BIT STRING key}")
    curve = STANDARD_CURVES.get(int.from_bytes(parameter.value, "big"))
    if curve is None:
        raise MalformedData(f"standardized domain parameters {parameter.value.hex()} are not supported")
    curve.decode_point(key.value[1:])
    return StaticPublicKey(EcdhAgreement(curve), key.value[1:])


def parse_public_key_info(der: bytes) -> StaticPublicKey:
    """A SubjectPublicKeyInfo of an EC (named, explicit or standardized parameters) or X9.42 DH key."""
    standardized = _standardized(der)
    if standardized is not None:
        return standardized
    try:
        info = keys.PublicKeyInfo.load(der, strict=True)
        algorithm = info["algorithm"]["algorithm"].native
        if algorithm == "ec":
            curve = _curve(info["algorithm"]["parameters"])
            public = bytes(info["public_key"].native)
            curve.decode_point(public)
            return StaticPublicKey(EcdhAgreement(curve), public)
        if algorithm == "dh":
            params = info["algorithm"]["parameters"]
            q = params["q"].native
            group = DhGroup("DG14 DH", int(params["p"].native), int(params["g"].native), q and int(q))
            if not 3 <= group.p < 1 << 4096 or not 1 < group.g < group.p or (q and pow(group.g, q, group.p) != 1):
                raise MalformedData("the DH domain parameters of the chip authentication key are not valid")
            y = int(info["public_key"].parsed.native)
            if not 0 < y < group.p:
                raise MalformedData("the DH chip authentication key is out of range")
            agreement = DhAgreement(group)
            public = y.to_bytes(group.size, "big")
            agreement.shared_secret(1, public)  # checks that the key lies in the prime-order subgroup
            return StaticPublicKey(agreement, public)
    except MalformedData:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedData(f"chip authentication public key is not a valid SubjectPublicKeyInfo: {exc}") from exc
    raise MalformedData(f"chip authentication key algorithm {algorithm} is not supported")


def _curve(parameters) -> Curve:
    if parameters.name == "named":
        curve = _CURVE_OIDS.get(parameters.chosen.dotted)
        if curve is None:
            raise MalformedData(f"curve {parameters.chosen.dotted} is not supported")
        return curve
    if parameters.name != "specified":
        raise MalformedData("implicit EC domain parameters are not supported")
    spec = parameters.chosen
    if spec["field_id"]["field_type"].native != "prime_field":
        raise MalformedData("only prime-field curves are supported")
    p = int(spec["field_id"]["parameters"].native)
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    n = int(spec["order"].native)
    for curve in STANDARD_CURVES.values():
        if (curve.p, curve.a, curve.b, curve.n) == (p, a, b, n):
            if curve.decode_point(bytes(spec["base"].native)) != curve.g:
                break
            return curve
    raise MalformedData("the explicit EC domain parameters are not a curve we support")


def encode_public_key_info(agreement: KeyAgreement, public: bytes, *, explicit: bool = False) -> bytes:
    """The SubjectPublicKeyInfo a chip would put in DG14 (for the simulator). ``explicit``: spell the
    curve out, as many passports do, instead of naming it."""
    if isinstance(agreement, DhAgreement):
        group = agreement.group
        params = {"p": group.p, "g": group.g, "q": group.q}
        return keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": "dh", "parameters": keys.DomainParameters(params)},
                "public_key": core.Integer(int.from_bytes(public, "big")),
            }
        ).dump()
    curve = agreement.curve
    if explicit:
        size = curve.size
        parameters = keys.ECDomainParameters(
            name="specified",
            value={
                "version": "ecdpVer1",
                "field_id": {"field_type": "prime_field", "parameters": curve.p},
                "curve": {"a": curve.a.to_bytes(size, "big"), "b": curve.b.to_bytes(size, "big")},
                "base": curve.encode_point(curve.g),
                "order": curve.n,
                "cofactor": 1,
            },
        )
    else:
        oid = next(o for o, c in _CURVE_OIDS.items() if c is curve)
        parameters = keys.ECDomainParameters(name="named", value=oid)
    return keys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": parameters}, "public_key": public}).dump()
