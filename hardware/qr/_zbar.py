"""ctypes access to the zbar library pyzbar loads, with the scanner in binary mode.

Without ``ZBAR_CFG_BINARY`` zbar guesses the charset of QR codes that carry no ECI segment and mangles some
UTF-8 Vietnamese (``'á'`` -> ``'Ã¡'``); in binary mode it hands back the raw bytes and we decode them."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from pyzbar import wrapper as zw

#: zbar.h ``zbar_config_e``: ZBAR_CFG_ENABLE = 0, ZBAR_CFG_BINARY = 4 (since zbar 0.23).
ZBAR_CFG_ENABLE = 0
ZBAR_CFG_BINARY = 4
ZBAR_NONE = 0  # "all symbologies" when used with set_config
ZBAR_QRCODE = int(zw.ZBarSymbol.QRCODE)
_Y800 = int.from_bytes(b"Y800", "little")  # 8-bit grey, zbar's fourcc


@contextmanager
def _qr_scanner() -> Iterator[object]:
    scanner = zw.zbar_image_scanner_create()
    try:
        zw.zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zw.zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        if zw.zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1) != 0:
            raise RuntimeError("this zbar does not support binary mode (needs zbar >= 0.23)")
        yield scanner
    finally:
        zw.zbar_image_scanner_destroy(scanner)


def scan_qr_bytes(grey: np.ndarray) -> list[bytes]:
    """Raw payloads of the QR codes zbar finds in a 2-D uint8 image, in zbar's order."""
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError("zbar needs a 2-D uint8 grey image")
    height, width = grey.shape
    pixels = np.ascontiguousarray(grey)
    payloads = []
    with _qr_scanner() as scanner:
        image = zw.zbar_image_create()
        try:
            zw.zbar_image_set_format(image, _Y800)
            zw.zbar_image_set_size(image, width, height)
            # zbar borrows the buffer (no cleanup handler): ``pixels`` stays alive until the image is destroyed.
            zw.zbar_image_set_data(image, pixels.ctypes.data_as(ctypes.c_void_p), pixels.size, None)
            if zw.zbar_scan_image(scanner, image) < 0:
                raise RuntimeError("zbar rejected the image")
            symbol = zw.zbar_image_first_symbol(image)
            while symbol:
                length = zw.zbar_symbol_get_data_length(symbol)
                payloads.append(ctypes.string_at(zw.zbar_symbol_get_data(symbol), length))
                symbol = zw.zbar_symbol_next(symbol)
        finally:
            zw.zbar_image_destroy(image)
    return payloads
