"""Tests of tenseur.data.mnist: real files, TF 1.x batching, lookup, integrity, download.

The real files come from $TENSEUR_DATA_DIR/mnist, else from the shared/data folder
beside the repository. No test touches the network beyond 127.0.0.1, and nothing
is ever written outside tmp_path.
"""

import contextlib
import functools
import gzip
import http.server
import os
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest

from tenseur.data import mnist

DATA_DIR = Path(os.environ.get("TENSEUR_DATA_DIR")
                or Path(__file__).resolve().parents[2].parent / "shared" / "data")
MNIST_DIR = DATA_DIR / "mnist"
GZ_NAMES = [n + ".gz" for n in mnist.FILE_NAMES]

needs_data = pytest.mark.skipif(
    not all((MNIST_DIR / n).is_file() for n in GZ_NAMES),
    reason=f"MNIST files not found in {MNIST_DIR} (set TENSEUR_DATA_DIR)")


def _closed_port_url():
    """A 127.0.0.1 URL nobody listens on: any download attempt fails fast."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


NO_NET = _closed_port_url()

# Well-known facts about MNIST, independent of this loader.
TRAIN_HEAD = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
TEST_HEAD = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def _local_network_only(monkeypatch):
    """Fails any test whose code tries to reach a host other than 127.0.0.1."""
    real = mnist._urlopen

    def guarded(url, *args, **kwargs):
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"test tried to reach {url}"
        return real(url, *args, **kwargs)

    monkeypatch.setattr(mnist, "_urlopen", guarded)
    # A proxy configured in the environment must not intercept 127.0.0.1.
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Empty HOME (so an empty cache) and no TENSEUR_DATA_DIR."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TENSEUR_DATA_DIR", raising=False)
    return home / ".cache" / "tenseur" / "datasets" / "mnist"


@pytest.fixture(scope="module")
def data():
    if not all((MNIST_DIR / n).is_file() for n in GZ_NAMES):
        pytest.skip(f"MNIST files not found in {MNIST_DIR}")
    return mnist.read_data_sets(MNIST_DIR, source_url=NO_NET)


@pytest.fixture(scope="module")
def raw():
    if not all((MNIST_DIR / n).is_file() for n in GZ_NAMES):
        pytest.skip(f"MNIST files not found in {MNIST_DIR}")
    return mnist.load_data(MNIST_DIR)


# ---------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------


def test_split_sizes_shapes_and_dtypes(data):
    assert isinstance(data, mnist.Datasets)
    assert data._fields == ("train", "validation", "test")
    for ds, n in ((data.train, 55000), (data.validation, 5000), (data.test, 10000)):
        assert ds.num_examples == n
        assert ds.images.shape == (n, 784)
        assert ds.images.dtype == np.float32
        assert ds.labels.shape == (n,)
        assert ds.labels.dtype == np.uint8
        assert ds.epochs_completed == 0
    assert data.train.images.min() == 0.0
    assert data.train.images.max() == 1.0
    assert set(np.unique(data.test.labels)) == set(range(10))


def test_known_labels_and_class_counts(data, raw):
    (x_train, y_train), (x_test, y_test) = raw
    assert list(y_train[:10]) == TRAIN_HEAD
    assert list(y_test[:10]) == TEST_HEAD
    assert list(np.bincount(y_train)) == TRAIN_COUNTS
    assert list(np.bincount(y_test)) == TEST_COUNTS
    # Before any next_batch, DataSets keep file order.
    assert list(data.validation.labels[:10]) == TRAIN_HEAD
    assert list(data.test.labels[:10]) == TEST_HEAD


def test_validation_is_first_training_examples(data, raw):
    (x_train, y_train), (x_test, y_test) = raw
    scale = np.float32(1.0 / 255.0)
    np.testing.assert_array_equal(data.validation.labels, y_train[:5000])
    np.testing.assert_array_equal(data.train.labels, y_train[5000:])
    np.testing.assert_array_equal(data.test.labels, y_test)
    # Pixel values are exactly TF's float32(x) * float32(1/255).
    np.testing.assert_array_equal(
        data.validation.images, x_train[:5000].reshape(5000, 784).astype(np.float32) * scale)
    np.testing.assert_array_equal(
        data.train.images[-3:], x_train[-3:].reshape(3, 784).astype(np.float32) * scale)


def test_uint8_without_reshape_keeps_raw_bytes(raw):
    (x_train, _), (x_test, _) = raw
    d = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, reshape=False, source_url=NO_NET)
    assert d.train.images.shape == (55000, 28, 28, 1)
    assert d.test.images.shape == (10000, 28, 28, 1)
    assert d.train.images.dtype == np.uint8
    assert d.train.images.max() == 255
    np.testing.assert_array_equal(d.validation.images[..., 0], x_train[:5000])
    np.testing.assert_array_equal(d.test.images[..., 0], x_test)


@needs_data
def test_float32_without_reshape():
    d = mnist.read_data_sets(MNIST_DIR, reshape=False, validation_size=0, source_url=NO_NET)
    assert d.train.images.shape == (60000, 28, 28, 1)
    assert d.train.images.dtype == np.float32


def test_one_hot(raw):
    (_, y_train), (_, y_test) = raw
    d = mnist.read_data_sets(MNIST_DIR, one_hot=True, dtype=np.uint8, source_url=NO_NET)
    assert d.train.labels.shape == (55000, 10)
    assert d.test.labels.shape == (10000, 10)
    assert d.train.labels.dtype == np.float64
    assert set(np.unique(d.test.labels)) == {0.0, 1.0}
    np.testing.assert_array_equal(d.test.labels.sum(axis=1), np.ones(10000))
    np.testing.assert_array_equal(d.test.labels.argmax(axis=1), y_test)
    np.testing.assert_array_equal(d.validation.labels.argmax(axis=1), y_train[:5000])
    np.testing.assert_array_equal(d.test.labels[0], np.eye(10)[7])


@needs_data
def test_tf_dtype_like_objects_and_bad_dtype():
    class FakeDType:  # duck-types tf.float32 (base_dtype.as_numpy_dtype)
        as_numpy_dtype = np.float32

        @property
        def base_dtype(self):
            return self

    d = mnist.read_data_sets(MNIST_DIR, dtype=FakeDType(), source_url=NO_NET)
    assert d.test.images.dtype == np.float32
    with pytest.raises(TypeError, match="int32"):
        mnist.read_data_sets(MNIST_DIR, dtype=np.int32, source_url=NO_NET)


@needs_data
@pytest.mark.parametrize("size", [-1, 60001])
def test_validation_size_out_of_range(size):
    with pytest.raises(ValueError) as info:
        mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, validation_size=size,
                             source_url=NO_NET)
    msg = str(info.value)
    assert str(size) in msg and "0" in msg and "60000" in msg


@needs_data
@pytest.mark.parametrize("size", [0, 60000])
def test_validation_size_edges(size):
    d = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, validation_size=size, source_url=NO_NET)
    assert d.validation.num_examples == size
    assert d.train.num_examples == 60000 - size
    assert d.test.num_examples == 10000


def test_callers_cannot_corrupt_the_cache(raw):
    d = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, source_url=NO_NET)
    d.test.images[:] = 0  # DataSet arrays are the caller's own
    d.test.labels[:] = 0
    (x, y), (xt, yt) = mnist.load_data(MNIST_DIR)
    x[:] = 0
    yt[:] = 0
    (x2, y2), (xt2, yt2) = mnist.load_data(MNIST_DIR)
    assert x2.max() == 255 and list(yt2[:10]) == TEST_HEAD
    again = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, source_url=NO_NET)
    assert list(again.test.labels[:10]) == TEST_HEAD
    assert again.test.images.max() == 255


def test_load_data_keras_layout(raw):
    (x_train, y_train), (x_test, y_test) = raw
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)
    assert x_train.flags.writeable


def test_load_data_from_keras_npz(raw, tmp_path):
    (x_train, y_train), (x_test, y_test) = raw
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    (a, b), (c, d) = mnist.load_data(npz)
    np.testing.assert_array_equal(b, y_train)
    np.testing.assert_array_equal(c, x_test)
    np.savez(npz, x_train=x_train[:5], y_train=y_train, x_test=x_test, y_test=y_test)
    with pytest.raises(mnist.DatasetError, match="x_train"):
        mnist.load_data(npz)


@needs_data
def test_load_mnist_is_read_data_sets_defaults(monkeypatch):
    monkeypatch.setenv("TENSEUR_DATA_DIR", str(DATA_DIR))
    d = mnist.load_mnist()
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (
        55000, 5000, 10000)
    assert d.train.images.dtype == np.float32 and d.train.labels.ndim == 1


@needs_data
def test_repeated_load_is_fast():
    mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, source_url=NO_NET)  # warm the cache
    start = time.perf_counter()
    mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, source_url=NO_NET)
    assert time.perf_counter() - start < 0.5


@needs_data
def test_seeded_real_batches_are_deterministic():
    a = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, seed=7, source_url=NO_NET)
    b = mnist.read_data_sets(MNIST_DIR, dtype=np.uint8, seed=7, source_url=NO_NET)
    xa, ya = a.validation.next_batch(50)
    xb, yb = b.validation.next_batch(50)
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(ya, yb)
    assert list(ya[:10]) != TRAIN_HEAD  # shuffled before the first batch


# ---------------------------------------------------------------------------
# DataSet.next_batch on synthetic data (image i is filled with i, label i)
# ---------------------------------------------------------------------------


def _toy(n=10, **kwargs):
    images = np.repeat(np.arange(n, dtype=np.uint8), 4).reshape(n, 2, 2, 1)
    labels = np.arange(n, dtype=np.uint8)
    return mnist.DataSet(images, labels, dtype=np.uint8, **kwargs)


def _ids(images, labels):
    ids = images[:, 0]
    np.testing.assert_array_equal(images, np.repeat(ids[:, None], 4, axis=1))
    np.testing.assert_array_equal(ids, labels)  # labels stay aligned with images
    return [int(i) for i in ids]


def test_dataset_reshape_and_scaling():
    ds = mnist.DataSet(np.full((3, 2, 2, 1), 255, np.uint8), np.zeros(3))
    assert ds.images.shape == (3, 4) and ds.images.dtype == np.float32
    assert np.all(ds.images == 1.0)
    flat = mnist.DataSet(np.zeros((3, 2, 2, 1), np.uint8), np.zeros(3), reshape=False)
    assert flat.images.shape == (3, 2, 2, 1)


def test_next_batch_without_shuffle_wraps_in_order():
    ds = _toy(10)
    batches = [_ids(*ds.next_batch(3, shuffle=False)) for _ in range(3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert ds.epochs_completed == 0
    assert _ids(*ds.next_batch(3, shuffle=False)) == [9, 0, 1]
    assert ds.epochs_completed == 1
    assert _ids(*ds.next_batch(3, shuffle=False)) == [2, 3, 4]


def test_next_batch_epoch_semantics_with_shuffle():
    ds = _toy(10, seed=3)
    first = []
    for _ in range(3):
        first += _ids(*ds.next_batch(3))
    assert ds.epochs_completed == 0
    assert len(set(first)) == 9
    assert first != list(range(9))  # epoch 0 is shuffled before its first batch
    wrap = _ids(*ds.next_batch(3))
    assert ds.epochs_completed == 1
    remainder = (set(range(10)) - set(first)).pop()
    assert wrap[0] == remainder  # the rest of epoch 0 comes first ...
    assert len(set(wrap[1:])) == 2  # ... then the head of the new epoch
    # The new epoch is a full permutation: its first 2 plus the next 8 cover all 10.
    rest = _ids(*ds.next_batch(8))
    assert sorted(wrap[1:] + rest) == list(range(10))
    assert ds.epochs_completed == 1
    # The stored order follows the shuffle, as TF's .images does.
    assert _ids(ds.images, ds.labels)[:2] == wrap[1:]


def test_epoch_counter_at_exact_boundary():
    ds = _toy(10, seed=0)
    ds.next_batch(5)
    ds.next_batch(5)
    assert ds.epochs_completed == 0  # TF counts the epoch on the next call
    ids = _ids(*ds.next_batch(5))
    assert ds.epochs_completed == 1
    assert len(set(ids)) == 5


def test_many_epochs_visit_every_example_once_per_epoch():
    ds = _toy(12, seed=1)
    seen = []
    for _ in range(9):  # 9 * 4 = 36 = 3 epochs
        seen += _ids(*ds.next_batch(4))
    for epoch in range(3):
        assert sorted(seen[12 * epoch:12 * (epoch + 1)]) == list(range(12))
    assert ds.epochs_completed == 2


def test_same_seed_same_batches_different_seed_differs():
    def run(seed):
        ds = _toy(100, seed=seed)
        return [_ids(*ds.next_batch(30)) for _ in range(5)]

    assert run(42) == run(42)
    assert run(42) != run(43)
    assert run(None) != run(None)  # fresh entropy (equal with probability ~1e-158)


def test_global_numpy_rng_untouched():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    ds = _toy(50, seed=5)
    for _ in range(4):
        ds.next_batch(20)
    np.testing.assert_array_equal(np.random.rand(3), expected)


@pytest.mark.parametrize("batch_size", [0, 11])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=str(batch_size)):
        _toy(10).next_batch(batch_size)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="labels.shape"):
        mnist.DataSet(np.zeros((5, 2, 2, 1), np.uint8), np.zeros(4))


def test_fake_data():
    d = mnist.read_data_sets(None, fake_data=True, one_hot=True)
    assert d.train.num_examples == 10000
    xs, ys = d.train.next_batch(3, fake_data=True)
    assert len(xs) == 3 and xs[0] == [1] * 784
    assert ys[0] == [1] + [0] * 9
    _, dense = mnist.read_data_sets(None, fake_data=True).test.next_batch(2, fake_data=True)
    assert dense == [0, 0]


def test_dense_to_one_hot_and_extract(tmp_path):
    oh = mnist.dense_to_one_hot(np.array([0, 3, 9], np.uint8), 10)
    assert oh.dtype == np.float64
    np.testing.assert_array_equal(oh, np.eye(10)[[0, 3, 9]])
    path = tmp_path / "l.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x03\x02\x01\x00"))
    with open(path, "rb") as f:
        np.testing.assert_array_equal(mnist.extract_labels(f), [2, 1, 0])
    with open(path, "rb") as f, pytest.raises(ValueError, match="2051"):
        mnist.extract_images(f)


# ---------------------------------------------------------------------------
# File lookup order
# ---------------------------------------------------------------------------


def test_lookup_order(tmp_path, isolated, monkeypatch):
    given, env = tmp_path / "given", tmp_path / "env"
    cache = isolated
    for d in (given, env / "mnist", cache):
        d.mkdir(parents=True)
    monkeypatch.setenv("TENSEUR_DATA_DIR", str(env))
    name = mnist.TRAIN_LABELS
    assert mnist.locate_files(given)[name] is None

    (cache / name).write_bytes(b"x")  # decompressed names are accepted too
    assert mnist.locate_files(given)[name] == cache / name
    (cache / (name + ".gz")).write_bytes(b"x")  # .gz wins inside one directory
    assert mnist.locate_files(given)[name] == cache / (name + ".gz")
    (env / "mnist" / (name + ".gz")).write_bytes(b"x")
    assert mnist.locate_files(given)[name] == env / "mnist" / (name + ".gz")
    assert mnist.locate_files(None)[name] == env / "mnist" / (name + ".gz")
    (given / name).write_bytes(b"x")
    assert mnist.locate_files(given)[name] == given / name
    assert mnist.locate_files(str(given))[mnist.TEST_LABELS] is None


@needs_data
def test_loads_from_env_dir_and_from_decompressed_files(tmp_path, isolated, monkeypatch):
    env = tmp_path / "env"
    (env / "mnist").mkdir(parents=True)
    for n in GZ_NAMES:
        os.symlink(MNIST_DIR / n, env / "mnist" / n)
    monkeypatch.setenv("TENSEUR_DATA_DIR", str(env))
    given = tmp_path / "given"
    given.mkdir()
    # A decompressed labels file in train_dir takes precedence over the env dir.
    labels = gzip.decompress((MNIST_DIR / GZ_NAMES[1]).read_bytes())
    (given / mnist.TRAIN_LABELS).write_bytes(labels)
    assert mnist.locate_files(given)[mnist.TRAIN_LABELS] == given / mnist.TRAIN_LABELS
    d = mnist.read_data_sets(given, dtype=np.uint8, source_url=NO_NET)
    assert list(d.validation.labels[:10]) == TRAIN_HEAD
    assert d.train.num_examples == 55000
    assert not isolated.exists()  # nothing was downloaded


# ---------------------------------------------------------------------------
# Corrupt files
# ---------------------------------------------------------------------------


def _dir_with(tmp_path, name, content):
    """A train_dir holding good copies (symlinks) of all files but `name`."""
    d = tmp_path / "bad"
    d.mkdir()
    for n in mnist.FILE_NAMES:
        if n != name:
            os.symlink(MNIST_DIR / (n + ".gz"), d / (n + ".gz"))
    (d / (name + ".gz")).write_bytes(content)
    return d


def _good_labels():
    return gzip.decompress((MNIST_DIR / (mnist.TRAIN_LABELS + ".gz")).read_bytes())


@needs_data
@pytest.mark.parametrize("kind, expect", [
    ("truncated gzip", "gzip"),
    ("not gzip", "magic"),
    ("wrong magic", "2049"),
    ("short content", "60008 bytes"),
    ("one byte changed", "sha256"),
])
def test_corrupt_file_raises_dataset_error(tmp_path, isolated, kind, expect):
    good = _good_labels()
    content = {
        "truncated gzip": lambda: (MNIST_DIR / GZ_NAMES[1]).read_bytes()[:10000],
        "not gzip": lambda: b"<html>404 not found</html>",
        "wrong magic": lambda: gzip.compress(b"\x00\x00\x08\x03" + good[4:]),
        "short content": lambda: gzip.compress(good[:-100]),
        "one byte changed": lambda: gzip.compress(good[:500] + bytes([good[500] ^ 1]) + good[501:]),
    }[kind]()
    d = _dir_with(tmp_path, mnist.TRAIN_LABELS, content)
    with pytest.raises(mnist.DatasetError) as info:
        mnist.read_data_sets(d, source_url=NO_NET)
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert mnist.TRAIN_LABELS + ".gz" in msg
    assert expect in msg
    assert "delete" in msg and "TENSEUR_DATA_DIR" in msg
    assert not isolated.exists()  # a corrupt local file is reported, never replaced


def test_corrupt_local_file_reported_before_any_download(tmp_path, isolated):
    d = tmp_path / "given"
    d.mkdir()
    (d / GZ_NAMES[3]).write_bytes(b"\x1f\x8b\x08\x00garbage")  # others are missing
    with pytest.raises(mnist.DatasetError) as info:
        mnist.read_data_sets(d, source_url=NO_NET)
    assert not isinstance(info.value, mnist.DownloadError)
    assert str(d / GZ_NAMES[3]) in str(info.value)


@needs_data
def test_file_replaced_after_caching_is_rechecked(tmp_path, isolated):
    d = _dir_with(tmp_path, mnist.TRAIN_LABELS, (MNIST_DIR / GZ_NAMES[1]).read_bytes())
    assert mnist.read_data_sets(d, dtype=np.uint8, source_url=NO_NET).train.num_examples == 55000
    good = _good_labels()
    path = d / GZ_NAMES[1]
    path.write_bytes(gzip.compress(good[:-1] + bytes([good[-1] ^ 1])))
    os.utime(path, ns=(1, 1))  # differing mtime even on coarse-clock file systems
    with pytest.raises(mnist.DatasetError, match="sha256"):
        mnist.read_data_sets(d, dtype=np.uint8, source_url=NO_NET)


# ---------------------------------------------------------------------------
# Download from a local HTTP server
# ---------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(directory):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@needs_data
def test_download_into_cache(isolated, capsys):
    cache = isolated
    with _serve(MNIST_DIR) as url:
        d = mnist.read_data_sets(None, source_url=url)
    assert sorted(p.name for p in cache.iterdir()) == sorted(GZ_NAMES)  # no temp leftovers
    for n in GZ_NAMES:
        assert (cache / n).read_bytes() == (MNIST_DIR / n).read_bytes()
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (
        55000, 5000, 10000)
    assert list(d.test.labels[:10]) == TEST_HEAD
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz" in err and "100%" in err and "MiB" in err
    # Second call: found in the cache, no server needed.
    again = mnist.read_data_sets(None, dtype=np.uint8, source_url=NO_NET)
    assert list(again.validation.labels[:10]) == TRAIN_HEAD
    assert capsys.readouterr().err == ""


@needs_data
def test_download_only_missing_files(tmp_path, isolated):
    given = tmp_path / "given"
    given.mkdir()
    for n in GZ_NAMES[:3]:
        os.symlink(MNIST_DIR / n, given / n)
    with _serve(MNIST_DIR) as url:
        d = mnist.read_data_sets(given, dtype=np.uint8, source_url=url)
    assert [p.name for p in isolated.iterdir()] == [GZ_NAMES[3]]
    assert list(d.test.labels[:10]) == TEST_HEAD


def test_download_of_garbage_is_rejected_and_not_kept(tmp_path, isolated):
    served = tmp_path / "served"
    served.mkdir()
    for n in GZ_NAMES:
        (served / n).write_bytes(gzip.compress(b"\x00\x00\x08\x03garbage" * 100))
    with _serve(served) as url:
        with pytest.raises(mnist.DatasetError) as info:
            mnist.read_data_sets(None, source_url=url)
    msg = str(info.value)
    assert url in msg and "train-images-idx3-ubyte" in msg
    assert not isinstance(info.value, mnist.DownloadError)
    assert list(isolated.iterdir()) == []  # neither the bad file nor a temp file


def test_download_failure_explains_where_to_put_files(tmp_path, isolated):
    given = tmp_path / "given"
    with pytest.raises(mnist.DownloadError) as info:
        mnist.read_data_sets(given, source_url=NO_NET)
    msg = str(info.value)
    assert isinstance(info.value, OSError) and isinstance(info.value, mnist.DatasetError)
    assert NO_NET + "train-images-idx3-ubyte.gz" in msg
    assert str(given) in msg and str(isolated) in msg
    assert "TENSEUR_DATA_DIR" in msg


def test_http_404_is_a_download_error(tmp_path, isolated):
    empty = tmp_path / "empty"
    empty.mkdir()
    with _serve(empty) as url, pytest.raises(mnist.DownloadError, match="404"):
        mnist.read_data_sets(None, source_url=url)
    assert list(isolated.iterdir()) == []
