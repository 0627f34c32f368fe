"""TFRecord framing with masked CRC-32C, the container of TensorBoard event files.

A record is `uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`,
little-endian. CRC-32C is the Castagnoli polynomial (reflected 0x82F63B78), not zlib's CRC-32.
The C implementation of the `google_crc32c` or `crc32c` package is used when one is installed;
otherwise a table-driven Python version, which hands long inputs to NumPy: it runs the CRC
register of many equal slices side by side, then folds the slices' registers together (the
register update is linear over GF(2), so a slice's effect on the rest is a fixed 32x32 bit
matrix, applied here with four byte tables).
"""
from __future__ import annotations

import functools
import struct

import numpy as np

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8
_NUMPY_MIN_BYTES = 8192     # below this the plain loop is as fast as the lane-parallel one


def _make_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()
_NP_TABLE = np.array(_TABLE, dtype=np.uint32)


def _update_bytes(register: int, data) -> int:
    """The raw CRC register after feeding `data` byte by byte (no pre/post inversion)."""
    table = _TABLE
    for byte in data:
        register = table[(register ^ byte) & 0xFF] ^ (register >> 8)
    return register


@functools.lru_cache(maxsize=32)
def _zero_shift_tables(length: int) -> np.ndarray:
    """4 x 256 table: the register after `length` zero bytes, for each byte of the start value.

    Feeding zeros is linear in the starting register, so the effect of a 32-bit start value
    is the XOR of the effects of its four bytes.
    """
    starts = (np.arange(256, dtype=np.uint32)[None, :]
              << (8 * np.arange(4, dtype=np.uint32))[:, None]).ravel()
    register = starts
    for _ in range(length):
        register = _NP_TABLE[register & 0xFF] ^ (register >> 8)
    return register.reshape(4, 256)


def _update_numpy(register: int, data: bytes) -> int:
    """`_update_bytes` for long inputs: sqrt(n)-byte slices advanced in lock step by NumPy."""
    lane = 1 << max(6, (len(data).bit_length() // 2))
    lanes = len(data) // lane
    block = np.frombuffer(data, dtype=np.uint8, count=lanes * lane).reshape(lanes, lane)
    registers = np.zeros(lanes, dtype=np.uint32)
    for column in block.T:
        registers = _NP_TABLE[(registers ^ column) & 0xFF] ^ (registers >> 8)
    shift = _zero_shift_tables(lane).tolist()
    s0, s1, s2, s3 = shift
    for value in registers.tolist():
        register = (s0[register & 0xFF] ^ s1[(register >> 8) & 0xFF]
                    ^ s2[(register >> 16) & 0xFF] ^ s3[register >> 24] ^ value)
    return _update_bytes(register, data[lanes * lane:])


def _crc32c_python(data: bytes) -> int:
    if len(data) >= _NUMPY_MIN_BYTES:
        return _update_numpy(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    return _update_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF


def _native_crc32c():
    try:
        import google_crc32c
        if google_crc32c.implementation == "c":
            return google_crc32c.value
    except (ImportError, AttributeError):
        pass
    try:
        import crc32c
        return crc32c.crc32c
    except (ImportError, AttributeError):
        return None


_native = _native_crc32c()


def crc32c(data) -> int:
    """The CRC-32C (Castagnoli) of `data`: `crc32c(b"123456789") == 0xE3069283`."""
    data = bytes(data)
    if _native is not None:
        return _native(data)
    return _crc32c_python(data)


def masked_crc32c(data) -> int:
    """TFRecord's masked CRC: the CRC rotated right by 15 bits plus 0xA282EAD8 (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def encode_record(data: bytes) -> bytes:
    """One TFRecord: length, masked CRC of the length, `data`, masked CRC of `data`."""
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


class RecordError(ValueError):
    """A TFRecord file is truncated or fails its CRC check."""


def read_records(path):
    """Yields the data of each record of a TFRecord file, checking both CRCs.

    A trailing partial record (a file still being written) ends the iteration quietly, as
    TensorBoard's loaders do; a CRC mismatch raises `RecordError` naming the offset.
    """
    with open(path, "rb") as stream:
        offset = 0
        while True:
            header = stream.read(12)
            if len(header) < 12:
                return
            (length,) = struct.unpack("<Q", header[:8])
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc32c(header[:8]) != length_crc:
                raise RecordError(f"{path}: bad length CRC in the record at byte {offset}.")
            body = stream.read(length + 4)
            if len(body) < length + 4:
                return
            data, (data_crc,) = body[:length], struct.unpack("<I", body[length:])
            if masked_crc32c(data) != data_crc:
                raise RecordError(f"{path}: bad data CRC in the record at byte {offset}.")
            yield data
            offset += 12 + length + 4
