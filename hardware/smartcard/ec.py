"""Prime-curve arithmetic for PACE's Generic Mapping, which needs what ``cryptography`` does not expose:
adding points and multiplying a point other than the curve's generator. Pure integers; the standardized
domain parameters of ICAO 9303-11 9.5.1 that a CCCD or passport may name (NIST P-256, brainpoolP256r1).

Not constant-time: it runs on the terminal (and the simulator), whose secrets live for one session."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec

from hardware.smartcard.errors import MalformedData

#: A point in affine coordinates; None is the point at infinity.
Point = tuple[int, int] | None


@dataclass(frozen=True)
class Curve:
    """y^2 = x^3 + ax + b over GF(p), generator g of prime order n (cofactor 1 for every curve here)."""

    name: str
    p: int
    a: int
    b: int
    g: tuple[int, int]
    n: int
    #: The same curve in ``cryptography``, which does the multiplications that need no custom generator.
    library_curve: ec.EllipticCurve = field(compare=False, repr=False)

    @property
    def size(self) -> int:
        """Bytes of a field element."""
        return (self.p.bit_length() + 7) // 8

    def contains(self, point: Point) -> bool:
        if point is None:
            return False
        x, y = point
        return 0 <= x < self.p and 0 <= y < self.p and (y * y - x * x * x - self.a * x - self.b) % self.p == 0

    # -- arithmetic in Jacobian coordinates (X, Y, Z) ~ (X/Z^2, Y/Z^3): one inversion per multiplication
    def _double(self, point):
        x, y, z = point
        if not y:
            return (1, 1, 0)
        p = self.p
        yy = y * y % p
        s = 4 * x * yy % p
        m = (3 * x * x + self.a * pow(z, 4, p)) % p
        x3 = (m * m - 2 * s) % p
        return x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * y * z % p

    def _add(self, one, two):
        if not one[2]:
            return two
        if not two[2]:
            return one
        p = self.p
        z1z1, z2z2 = one[2] * one[2] % p, two[2] * two[2] % p
        u1, u2 = one[0] * z2z2 % p, two[0] * z1z1 % p
        s1, s2 = one[1] * two[2] * z2z2 % p, two[1] * one[2] * z1z1 % p
        if u1 == u2:
            return self._double(one) if s1 == s2 else (1, 1, 0)
        h, r = (u2 - u1) % p, (s2 - s1) % p
        hh = h * h % p
        hhh = h * hh % p
        x3 = (r * r - hhh - 2 * u1 * hh) % p
        return x3, (r * (u1 * hh - x3) - s1 * hhh) % p, h * one[2] * two[2] % p

    def _affine(self, point) -> Point:
        x, y, z = point
        if not z:
            return None
        z_inv = pow(z, -1, self.p)
        z2 = z_inv * z_inv % self.p
        return x * z2 % self.p, y * z2 * z_inv % self.p

    def add(self, one: Point, two: Point) -> Point:
        to_jacobian = lambda pt: (1, 1, 0) if pt is None else (pt[0], pt[1], 1)  # noqa: E731
        return self._affine(self._add(to_jacobian(one), to_jacobian(two)))

    def multiply(self, scalar: int, point: Point) -> Point:
        if point is None or scalar % self.n == 0:
            return None
        result, addend = (1, 1, 0), (point[0], point[1], 1)
        for bit in bin(scalar % self.n)[2:]:
            result = self._double(result)
            if bit == "1":
                result = self._add(result, addend)
        return self._affine(result)

    def multiply_generator(self, scalar: int) -> tuple[int, int]:
        numbers = ec.derive_private_key(scalar, self.library_curve).public_key().public_numbers()
        return numbers.x, numbers.y

    def ecdh_x(self, scalar: int, point: tuple[int, int]) -> bytes:
        """x coordinate of scalar * point, field-size bytes (the point must already be checked)."""
        peer = ec.EllipticCurvePublicNumbers(point[0], point[1], self.library_curve).public_key()
        return ec.derive_private_key(scalar, self.library_curve).exchange(ec.ECDH(), peer)

    # -- encodings ----------------------------------------------------------------------------------
    def encode_point(self, point: Point) -> bytes:
        """X9.62 uncompressed: 04 || x || y."""
        if point is None:
            raise ValueError("the point at infinity has no encoding here")
        return b"\x04" + point[0].to_bytes(self.size, "big") + point[1].to_bytes(self.size, "big")

    def decode_point(self, data: bytes) -> tuple[int, int]:
        """Parse an uncompressed point and check that it lies on the curve (rejects invalid-curve attacks)."""
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise MalformedData(f"expected an uncompressed {self.name} point of {1 + 2 * self.size} bytes")
        point = int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big")
        if not self.contains(point):
            raise MalformedData(f"the point is not on {self.name}")
        return point


SECP256R1 = Curve(
    "NIST P-256",
    p=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    a=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    g=(
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    ),
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    library_curve=ec.SECP256R1(),
)

BRAINPOOL_P256R1 = Curve(  # RFC 5639 3.4
    "brainpoolP256r1",
    p=0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
    a=0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
    b=0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
    g=(
        0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
        0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
    ),
    n=0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
    library_curve=ec.BrainpoolP256R1(),
)

#: Standardized domain parameters (ICAO 9303-11 9.5.1, table of parameterId): the elliptic curves we handle.
STANDARD_CURVES = {12: SECP256R1, 13: BRAINPOOL_P256R1}
