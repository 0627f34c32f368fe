"""CRC-32C, its mask and TFRecord framing, byte for byte."""
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from tenseur.summary import records

# Event(wall_time=1.0, file_version="brain.Event:2"): 24 bytes, framed.
VERSION_EVENT = bytes.fromhex("09000000000000f03f1a0d627261696e2e4576656e743a32")
VERSION_RECORD = (bytes.fromhex("1800000000000000" "a37f4b22") + VERSION_EVENT
                  + bytes.fromhex("86bf577a"))


def test_crc32c_check_value_and_mask():
    assert records.crc32c(b"123456789") == 0xE3069283
    assert records.masked_crc32c(b"123456789") == 0xC78AB0E5
    assert records.masked_crc32c(b"") == 0xA282EAD8
    crc = 0xE3069283
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    assert records.masked_crc32c(b"123456789") == (rotated + 0xA282EAD8) & 0xFFFFFFFF


def test_crc32c_other_known_vectors():
    # RFC 3720 (iSCSI) appendix B.4 test patterns
    assert records.crc32c(bytes(32)) == 0x8A9136AA
    assert records.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert records.crc32c(bytes(range(32))) == 0x46DD794E


def test_known_record_byte_for_byte():
    assert records.encode_record(VERSION_EVENT) == VERSION_RECORD
    assert records.encode_record(b"123456789") == bytes.fromhex(
        "0900000000000000" "37f97139") + b"123456789" + struct.pack("<I", 0xC78AB0E5)


@pytest.mark.parametrize("size", [0, 1, 63, 64, 8191, 8192, 8193, 70001, 1 << 18])
def test_python_crc_paths_agree(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    bytewise = records._update_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    assert records._crc32c_python(data) == bytewise
    assert records.crc32c(data) == bytewise


def test_crc_agrees_with_tensorboard_implementation():
    stub = pytest.importorskip("tensorboard.compat.tensorflow_stub.pywrap_tensorflow")
    for size in (5, 1000, 20000):
        data = os.urandom(size)
        assert records.masked_crc32c(data) == stub.masked_crc32c(data)


def test_read_records_round_trip_and_corruption(tmp_path):
    path = tmp_path / "records"
    payloads = [b"", b"a", os.urandom(10000)]
    path.write_bytes(b"".join(records.encode_record(p) for p in payloads) + VERSION_RECORD[:7])
    assert list(records.read_records(path)) == payloads          # partial tail ignored

    corrupted = bytearray(records.encode_record(b"hello"))
    corrupted[14] ^= 1
    path.write_bytes(bytes(corrupted))
    with pytest.raises(records.RecordError, match="bad data CRC.*byte 0"):
        list(records.read_records(path))
    corrupted = bytearray(records.encode_record(b"hello"))
    corrupted[0] ^= 1
    path.write_bytes(bytes(corrupted))
    with pytest.raises(records.RecordError, match="bad length CRC"):
        list(records.read_records(path))


def test_importing_tenseur_summary_leaves_tensorboard_alone():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, tenseur, tenseur.summary; "
            "sys.exit(any(m.startswith('tensorboard') for m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0


def test_without_tensorboard_summaries_fail_early_with_the_install_hint(monkeypatch, tmp_path):
    import tenseur as tf
    from tenseur.summary import protos
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    protos.pb.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'pip install "tenseur\[board\]"'):
            tf.summary.scalar("x", tf.constant(1.0))
        with pytest.raises(ImportError, match="tensorboard"):
            tf.summary.FileWriter(str(tmp_path))
        assert [op.type for op in tf.get_default_graph().get_operations()] == ["Const"]
        assert os.listdir(tmp_path) == []
    finally:
        protos.pb.cache_clear()
