"""MNIST loader with TensorFlow 1.x semantics (``input_data.read_data_sets``).

This module reproduces ``tensorflow.examples.tutorials.mnist.input_data`` /
``tf.contrib.learn.datasets.mnist`` so that 2016-2018 course material runs
unchanged, and also provides the Keras-style :func:`load_data`.

It depends only on the standard library and NumPy on purpose: it is imported
by tests, examples and ``keras.datasets`` and must never drag in the graph
machinery.

Where the files come from (first hit wins, per file):

1. the ``train_dir`` you pass;
2. ``$TENSEUR_DATA_DIR/mnist``;
3. ``~/.cache/tenseur/datasets/mnist`` (``~`` follows ``$HOME``);
4. otherwise the file is downloaded from ``source_url`` into the cache
   directory of step 3 (never into ``train_dir``, unlike TF, so that the
   ``"MNIST_data/"`` of old tutorials does not litter the working directory).

Each of the four files may be stored gzipped (``train-images-idx3-ubyte.gz``)
or decompressed (``train-images-idx3-ubyte``). The decompressed content is
always checked against the canonical sha256 of LeCun's files; a corrupt or
truncated file raises :class:`DatasetError` instead of yielding wrong data.

Example:
    >>> from tenseur.data import mnist
    >>> data = mnist.read_data_sets("MNIST_data/", one_hot=True)
    >>> data.train.images.shape, data.validation.num_examples
    ((55000, 784), 5000)
    >>> xs, ys = data.train.next_batch(100)
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import http.client
import os
import struct
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_SOURCE_URL",
    "DataSet",
    "DatasetError",
    "Datasets",
    "DownloadError",
    "clear_cache",
    "dense_to_one_hot",
    "extract_images",
    "extract_labels",
    "load_data",
    "load_mnist",
    "locate_files",
    "read_data_sets",
]

DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension

# sha256 of the *decompressed* files (from shared/data/mnist/README.md). The
# decompressed content is what matters: gzip archives of the same data differ
# byte-wise between tools and mirrors.
SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Expected IDX magic and dimensions of each file.
_LAYOUT = {
    TRAIN_IMAGES: (IMAGE_MAGIC, (60000, 28, 28)),
    TRAIN_LABELS: (LABEL_MAGIC, (60000,)),
    TEST_IMAGES: (IMAGE_MAGIC, (10000, 28, 28)),
    TEST_LABELS: (LABEL_MAGIC, (10000,)),
}

NUM_CLASSES = 10
_GZIP_MAGIC = b"\x1f\x8b"
_DOWNLOAD_TIMEOUT_S = 60  # per socket operation, not for the whole file
_CACHE_MAX_BYTES = 256 * 2**20  # about four copies of the whole data set

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


class DatasetError(ValueError):
    """A data file is missing, truncated or not what it claims to be.

    Subclasses ``ValueError`` (bad *content*), like TF's own IDX errors.

    Attributes:
        path: the offending file or URL, or None.
    """

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class DownloadError(DatasetError, OSError):
    """A file could not be downloaded (no network, HTTP error, cut short).

    Also an ``OSError`` so that ``except OSError`` network handling works.
    """

    def __init__(self, message, path=None):
        DatasetError.__init__(self, message, path)


# ---------------------------------------------------------------------------
# Locating files
# ---------------------------------------------------------------------------


def _cache_dir():
    # expanduser honours $HOME on POSIX, which lets tests redirect the cache.
    return Path(os.path.expanduser("~")) / ".cache" / "tenseur" / "datasets" / "mnist"


def _search_dirs(train_dir):
    """The directories searched, in order, without duplicates."""
    dirs = []
    if train_dir:
        dirs.append(Path(os.path.expanduser(os.fspath(train_dir))))
    env = os.environ.get("TENSEUR_DATA_DIR")
    if env:
        dirs.append(Path(os.path.expanduser(env)) / "mnist")
    dirs.append(_cache_dir())
    unique = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def locate_files(train_dir=None):
    """Finds the four MNIST files without reading or downloading them.

    Args:
        train_dir: optional directory searched first.

    Returns:
        dict mapping each base name (e.g. ``"train-images-idx3-ubyte"``) to
        the ``Path`` found (the ``.gz`` name is preferred over the
        decompressed one within a directory), or ``None`` if not found.
    """
    found = {}
    dirs = _search_dirs(train_dir)
    for name in FILE_NAMES:
        found[name] = None
        for d in dirs:
            hit = next((d / c for c in (name + ".gz", name) if (d / c).is_file()), None)
            if hit is not None:
                found[name] = hit
                break
    return found


# ---------------------------------------------------------------------------
# Decoding and verifying IDX files
# ---------------------------------------------------------------------------

_LOCK = threading.Lock()
_ARRAYS = collections.OrderedDict()  # stat key -> read-only array, LRU order
_VERIFIED = set()  # stat keys whose content hash has been checked


def clear_cache():
    """Forgets the decoded arrays and verification results of this process."""
    with _LOCK:
        _ARRAYS.clear()
        _VERIFIED.clear()


def _stat_key(path):
    # Any rewrite of the file changes size, mtime or (atomic replace) inode,
    # so a stale cache entry can never be served for new content.
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _fix_hint(path):
    return (
        f"To fix it, delete {path} (the loader then looks for the file in train_dir, "
        f"$TENSEUR_DATA_DIR/mnist and {_cache_dir()}, in that order, and downloads a "
        "fresh copy if none has it), replace it with a good copy, or point "
        "TENSEUR_DATA_DIR at a directory whose mnist/ folder holds good copies."
    )


def _corrupt(path, problem, expected):
    return DatasetError(
        f"MNIST file {path} is corrupt or truncated: {problem}; expected {expected}. "
        + _fix_hint(path),
        path=str(path),
    )


def _decode(path, name, data=None):
    """Reads, decompresses and checks one IDX file; returns a read-only array."""
    magic, dims = _LAYOUT[name]
    if data is None:
        data = Path(path).read_bytes()
    if data[:2] == _GZIP_MAGIC:  # IDX files start with 00 00, so this is unambiguous
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise _corrupt(path, f"the gzip stream is damaged ({type(e).__name__}: {e})",
                           f"a complete gzip file of {name}") from None
    header_len = 4 + 4 * len(dims)
    expected_len = header_len + int(np.prod(dims))
    if len(data) < header_len:
        raise _corrupt(path, f"only {len(data)} bytes of content",
                       f"{expected_len} bytes starting with an IDX header")
    got_magic = struct.unpack(">I", data[:4])[0]
    if got_magic != magic:
        kind = "images" if magic == IMAGE_MAGIC else "labels"
        raise _corrupt(path, f"IDX magic number {got_magic}",
                       f"{magic} (an IDX {kind} file)")
    got_dims = struct.unpack(f">{len(dims)}I", data[4:header_len])
    if got_dims != dims:
        raise _corrupt(path, f"IDX dimensions {got_dims}", f"{dims}")
    if len(data) != expected_len:
        raise _corrupt(path, f"{len(data)} bytes of decompressed content",
                       f"{expected_len} bytes")
    return data, header_len, dims


def _load_array(path, name):
    """Returns the verified, read-only uint8 array of one file (cached)."""
    key = _stat_key(path)
    with _LOCK:
        if key in _ARRAYS:
            _ARRAYS.move_to_end(key)
            return _ARRAYS[key]
        verified = key in _VERIFIED
    array = _decode_and_verify(path, name, verified)
    _remember(key, array)
    return array


def _remember(key, array):
    # LRU bounded by bytes: tests load many temporary copies of the files.
    with _LOCK:
        _VERIFIED.add(key)
        _ARRAYS[key] = array
        total = sum(a.nbytes for a in _ARRAYS.values())
        while total > _CACHE_MAX_BYTES and len(_ARRAYS) > 1:
            _, old = _ARRAYS.popitem(last=False)
            total -= old.nbytes


def _decode_and_verify(path, name, verified=False, data=None):
    data, header_len, dims = _decode(path, name, data)
    if not verified:
        digest = hashlib.sha256(data).hexdigest()
        if digest != SHA256[name]:
            raise _corrupt(path, f"sha256 of the decompressed content is {digest}",
                           f"{SHA256[name]} (the canonical {name})")
    # frombuffer over immutable bytes is zero-copy and already read-only,
    # which protects the cache from callers writing into it.
    array = np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(dims)
    assert not array.flags.writeable
    return array


# ---------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------

# Indirection so tests can forbid any host but 127.0.0.1.
_urlopen = urllib.request.urlopen


def _progress(name, done, total, last):
    """Writes a one-line progress bar to stderr; returns what was shown."""
    mib = 2**20
    if total:
        pct = min(100, done * 100 // total)
        shown = pct
        text = f"{done / mib:6.1f} / {total / mib:.1f} MiB ({pct:3d}%)"
    else:  # no Content-Length: bytes only, refreshed every MiB
        shown = done // mib
        text = f"{done / mib:6.1f} MiB"
    if shown != last:
        width = 30
        filled = width * shown // 100 if total else 0
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\rDownloading {name} [{bar}] {text}")
        sys.stderr.flush()
    return shown


def _not_found_message(name, url, train_dir, reason):
    dirs = "\n".join(f"  - {d}" for d in _search_dirs(train_dir))
    return (
        f"Could not download MNIST file {name} from {url}: {reason}.\n"
        f"It was not found in any of these directories (searched in order):\n{dirs}\n"
        f"Put the four files ({', '.join(n + '.gz' for n in FILE_NAMES)}) into one of "
        f"them - e.g. {_cache_dir()}, or set TENSEUR_DATA_DIR to a directory containing "
        "mnist/ - or fix the network connection / source_url."
    )


def _download(name, source_url, train_dir):
    """Downloads ``name.gz`` into the cache directory; returns (path, array).

    The file is written to a temporary name in the cache directory, verified,
    and only then renamed into place (atomic on POSIX), so neither a cut
    connection nor a bad mirror can leave a corrupt file behind, and
    concurrent processes never see a partial file.
    """
    filename = name + ".gz"
    url = urllib.parse.urljoin(source_url if source_url.endswith("/") else source_url + "/",
                               filename)
    cache = _cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(_not_found_message(name, url, train_dir,
                                               f"cannot create {cache} ({e})"), url) from e
    fd, tmp = tempfile.mkstemp(prefix=filename + ".", suffix=".part", dir=cache)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with _urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
                    total = int(response.headers.get("Content-Length") or 0)
                    done, last = 0, None
                    while True:
                        chunk = response.read(1 << 16)
                        if not chunk:
                            break
                        out.write(chunk)
                        done += len(chunk)
                        last = _progress(filename, done, total, last)
                    sys.stderr.write("\n")
            except urllib.error.HTTPError as e:
                raise DownloadError(_not_found_message(name, url, train_dir,
                                                       f"HTTP {e.code} {e.reason}"), url) from e
            except (urllib.error.URLError, http.client.HTTPException, OSError,
                    ValueError) as e:
                reason = getattr(e, "reason", None) or e
                raise DownloadError(_not_found_message(name, url, train_dir,
                                                       f"{type(e).__name__}: {reason}"), url) from e
            if total and done != total:
                raise DownloadError(_not_found_message(
                    name, url, train_dir, f"the transfer stopped after {done} of {total} bytes"),
                    url)
        try:
            array = _decode_and_verify(tmp, name)
        except DatasetError as e:
            raise DatasetError(
                f"The file downloaded from {url} is not the canonical MNIST {name}, "
                f"so it was discarded: {e}", path=url) from None
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is ordinary data
        final = cache / filename
        os.replace(tmp, final)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return final, array


def _load_all(train_dir, source_url):
    """Returns {name: read-only uint8 array} for the four files."""
    found = locate_files(train_dir)
    # Local files first: a corrupt local file is reported before any slow download.
    arrays = {name: _load_array(path, name) for name, path in found.items() if path}
    for name in FILE_NAMES:
        if name not in arrays:
            path, array = _download(name, source_url, train_dir)
            # Prime the cache so the freshly verified file is not decoded twice.
            _remember(_stat_key(path), array)
            arrays[name] = array
    return arrays


# ---------------------------------------------------------------------------
# TF 1.x public helpers
# ---------------------------------------------------------------------------


def _read_stream(f):
    data = f.read()
    if data[:2] == _GZIP_MAGIC:
        data = gzip.decompress(data)
    return data


def extract_images(f):
    """Extracts images into a 4D uint8 array [index, y, x, depth] (TF API).

    Args:
        f: a binary file object holding an IDX images file, gzipped or not.

    Returns:
        uint8 array of shape (n, rows, cols, 1).

    Raises:
        ValueError: if the stream does not start with magic 2051.

    Unlike :func:`read_data_sets` this does no hash check: it accepts any
    IDX image file (e.g. Fashion-MNIST).
    """
    data = _read_stream(f)
    name = getattr(f, "name", "<stream>")
    magic = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if magic != IMAGE_MAGIC:
        raise ValueError(f"Invalid magic number {magic} in MNIST image file: {name} "
                         f"(expected {IMAGE_MAGIC})")
    n, rows, cols = struct.unpack(">3I", data[4:16])
    if len(data) != 16 + n * rows * cols:
        raise ValueError(f"MNIST image file {name} holds {len(data) - 16} pixel bytes, "
                         f"its header announces {n * rows * cols}")
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols, 1).copy()


def dense_to_one_hot(labels_dense, num_classes=NUM_CLASSES):
    """Converts class labels from scalars to one-hot float64 vectors (TF API)."""
    labels_dense = np.asarray(labels_dense)
    num_labels = labels_dense.shape[0]
    one_hot = np.zeros((num_labels, num_classes))  # float64, as TF
    one_hot[np.arange(num_labels), labels_dense.ravel()] = 1
    return one_hot


def extract_labels(f, one_hot=False, num_classes=NUM_CLASSES):
    """Extracts labels into a 1D uint8 array [index] (TF API).

    Args:
        f: a binary file object holding an IDX labels file, gzipped or not.
        one_hot: return float64 one-hot rows instead.
        num_classes: number of classes for the one-hot encoding.

    Returns:
        uint8 array of shape (n,), or float64 (n, num_classes) if one_hot.

    Raises:
        ValueError: if the stream does not start with magic 2049.
    """
    data = _read_stream(f)
    name = getattr(f, "name", "<stream>")
    magic = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if magic != LABEL_MAGIC:
        raise ValueError(f"Invalid magic number {magic} in MNIST label file: {name} "
                         f"(expected {LABEL_MAGIC})")
    (n,) = struct.unpack(">I", data[4:8])
    if len(data) != 8 + n:
        raise ValueError(f"MNIST label file {name} holds {len(data) - 8} labels, "
                         f"its header announces {n}")
    labels = np.frombuffer(data, np.uint8, offset=8).copy()
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


def _as_numpy_dtype(dtype):
    """Accepts np dtypes, strings, and TF-like DType objects (duck-typed)."""
    dtype = getattr(dtype, "base_dtype", dtype)
    dtype = getattr(dtype, "as_numpy_dtype", dtype)
    try:
        dt = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        dt = None
    if dt is None or dt not in (np.dtype(np.uint8), np.dtype(np.float32)):
        raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
    return dt


class DataSet:
    """One split of MNIST (or any image/label arrays) with TF 1.x batching.

    Args:
        images: uint8 array (n, rows, cols, 1), or already flat (n, rows*cols).
        labels: array with n rows (dense uint8 or one-hot).
        fake_data: if True, ignore images/labels and pretend to hold 10000
            examples; use ``next_batch(..., fake_data=True)`` (TF unit-test aid).
        one_hot: only used with fake_data, for the fake labels.
        dtype: ``np.float32`` rescales pixels to [0, 1] (``* 1/255``);
            ``np.uint8`` keeps the raw bytes.
        reshape: flatten (n, rows, cols, 1) images to (n, rows*cols).
        seed: seed of this DataSet's shuffling; None draws fresh entropy.

    Raises:
        ValueError: images and labels have different lengths, or reshape is
            asked for images with more than one channel.
        TypeError: dtype is neither uint8 nor float32.

    Note - deliberate difference from TensorFlow: TF's constructor calls
    ``numpy.random.seed(seed)`` and shuffles with the *global* NumPy RNG, a
    side effect that silently reseeds user code. Here every DataSet owns a
    ``np.random.RandomState(seed)``; the global RNG is never touched. Batches
    are therefore reproducible from ``seed`` but not identical to TF's. TF
    falls back to the graph seed when ``seed`` is None; this module knows no
    graph, so callers wanting that pass the seed explicitly.

    Example:
        >>> ds = DataSet(np.zeros((10, 28, 28, 1), np.uint8), np.arange(10), seed=0)
        >>> xs, ys = ds.next_batch(4)
        >>> xs.shape, ds.epochs_completed
        ((4, 784), 0)
    """

    def __init__(self, images, labels, fake_data=False, one_hot=False,
                 dtype=np.float32, reshape=True, seed=None):
        dtype = _as_numpy_dtype(dtype)
        # Seeds beyond RandomState's 32-bit range are folded rather than refused.
        self._rng = np.random.RandomState(None if seed is None else int(seed) % 2**32)
        self.one_hot = one_hot
        if fake_data:
            self._num_examples = 10000
        else:
            images = np.asarray(images)
            labels = np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise ValueError(f"images.shape: {images.shape} labels.shape: {labels.shape} "
                                 "(they must have the same number of examples)")
            self._num_examples = images.shape[0]
            if reshape and images.ndim == 4:
                if images.shape[3] != 1:
                    raise ValueError(f"reshape=True needs single-channel images, "
                                     f"got shape {images.shape}")
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            elif reshape and images.ndim == 3:
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if dtype == np.float32:
                # Same arithmetic as TF (float32 times float32(1/255)), so values
                # match bit for bit; in place because a second 170 MB temporary
                # costs more in page faults than the multiplication itself.
                images = images.astype(np.float32)
                images *= np.float32(1.0 / 255.0)
            elif not images.flags.writeable:
                images = images.copy()  # e.g. a view of the loader's read-only cache
            if not labels.flags.writeable:
                labels = labels.copy()
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self):
        """The images, in the current (possibly shuffled) order."""
        return self._images

    @property
    def labels(self):
        """The labels, aligned with :attr:`images`."""
        return self._labels

    @property
    def num_examples(self):
        """Number of examples in this split."""
        return self._num_examples

    @property
    def epochs_completed(self):
        """Epochs finished so far (incremented when a batch wraps around)."""
        return self._epochs_completed

    def _shuffle(self):
        perm = self._rng.permutation(self._num_examples)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """Returns the next ``batch_size`` examples (TF 1.x >= 1.1 semantics).

        The whole set is shuffled before the first batch of epoch 0. When
        fewer than ``batch_size`` examples remain, the batch is the remainder
        followed by the head of a freshly shuffled epoch, and
        ``epochs_completed`` is incremented. (A batch that ends exactly at the
        end of the set leaves ``epochs_completed`` unchanged until the next
        call, as in TF.)

        Args:
            batch_size: number of examples, 1 <= batch_size <= num_examples.
            fake_data: return constant fake examples (784 ones; label 0 or
                one-hot [1, 0, ...]) as lists, like TF.
            shuffle: shuffle at the start of each epoch; False walks the data
                in stored order, wrapping around.

        Returns:
            (images, labels) arrays of ``batch_size`` rows.

        Raises:
            ValueError: batch_size < 1, or larger than num_examples (TF would
                silently return a short batch and corrupt its epoch position).
        """
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return ([fake_image for _ in range(batch_size)],
                    [fake_label for _ in range(batch_size)])
        batch_size = int(batch_size)
        if not 1 <= batch_size <= self._num_examples:
            raise ValueError(f"batch_size must be between 1 and num_examples "
                             f"({self._num_examples}), got {batch_size}")
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            images_rest = self._images[start:]
            labels_rest = self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = end = batch_size - (self._num_examples - start)
            return (np.concatenate((images_rest, self._images[:end]), axis=0),
                    np.concatenate((labels_rest, self._labels[:end]), axis=0))
        self._index_in_epoch = end = start + batch_size
        return self._images[start:end], self._labels[start:end]

    def __repr__(self):
        return (f"DataSet(num_examples={self._num_examples}, "
                f"epochs_completed={self._epochs_completed})")


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def read_data_sets(train_dir=None, fake_data=False, one_hot=False, dtype=np.float32,
                   reshape=True, validation_size=5000, seed=None,
                   source_url=DEFAULT_SOURCE_URL):
    """Loads MNIST as TF 1.x's ``input_data.read_data_sets`` does.

    Args:
        train_dir: directory searched first for the four files (see the module
            docstring for the full lookup order). Missing files are downloaded
            to ``~/.cache/tenseur/datasets/mnist``, not into train_dir.
        fake_data: return three fake DataSets (for ``next_batch(fake_data=True)``).
        one_hot: labels as float64 one-hot rows (n, 10) instead of uint8 (n,).
        dtype: ``np.float32`` (pixels scaled to [0, 1]) or ``np.uint8`` (raw).
        reshape: images as (n, 784) instead of (n, 28, 28, 1).
        validation_size: number of examples, taken from the *start* of the
            60000 training examples (unshuffled), that form the validation set.
        seed: shuffling seed for the three DataSets (None: fresh entropy).
        source_url: base URL the missing ``*.gz`` files are downloaded from.

    Returns:
        ``Datasets(train, validation, test)`` of :class:`DataSet`; with the
        defaults 55000, 5000 and 10000 examples.

    Raises:
        ValueError: validation_size is outside [0, 60000].
        TypeError: dtype is neither uint8 nor float32.
        DatasetError: a file is truncated or corrupt (wrong gzip, magic,
            dimensions, size or sha256).
        DownloadError: a file is missing everywhere and cannot be downloaded.

    Example:
        >>> mnist = read_data_sets("MNIST_data/", one_hot=True)
        >>> batch_xs, batch_ys = mnist.train.next_batch(100)
        >>> batch_xs.shape, batch_ys.shape
        ((100, 784), (100, 10))
    """
    if fake_data:
        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)
        return Datasets(train=fake(), validation=fake(), test=fake())

    _as_numpy_dtype(dtype)  # fail fast, before reading 50 MB
    arrays = _load_all(train_dir, source_url)
    # (n, 28, 28) -> (n, 28, 28, 1): TF's extract_images layout (a free view).
    train_images = arrays[TRAIN_IMAGES][..., np.newaxis]
    test_images = arrays[TEST_IMAGES][..., np.newaxis]
    train_labels = arrays[TRAIN_LABELS]
    test_labels = arrays[TEST_LABELS]
    if one_hot:
        train_labels = dense_to_one_hot(train_labels, NUM_CLASSES)
        test_labels = dense_to_one_hot(test_labels, NUM_CLASSES)

    n_train = len(train_images)
    if isinstance(validation_size, bool) or not 0 <= validation_size <= n_train:
        raise ValueError(f"Validation size should be between 0 and {n_train}. "
                         f"Received: {validation_size}.")
    validation_size = int(validation_size)

    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    train = DataSet(train_images[validation_size:], train_labels[validation_size:], **options)
    validation = DataSet(train_images[:validation_size], train_labels[:validation_size],
                         **options)
    test = DataSet(test_images, test_labels, **options)
    return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir=None):
    """``read_data_sets(train_dir)`` with all defaults (TF contrib API).

    Args:
        train_dir: directory searched first for the files.

    Returns:
        ``Datasets(train, validation, test)``, float32 (n, 784), uint8 labels.
    """
    return read_data_sets(train_dir)


def load_data(path=None):
    """MNIST in the layout of ``keras.datasets.mnist.load_data``.

    Args:
        path: a directory searched first (like ``train_dir``), or an existing
            Keras ``mnist.npz`` file (keys x_train, y_train, x_test, y_test).
            A ``.npz`` name that does not exist (Keras' default
            ``"mnist.npz"``) is ignored and the usual lookup applies.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,). They are fresh
        writable copies; modifying them does not affect later calls.

    Raises:
        DatasetError, DownloadError: as for :func:`read_data_sets`.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()
        >>> x_train.shape, y_test[:3]
        ((60000, 28, 28), array([7, 2, 1], dtype=uint8))
    """
    if path is not None and str(path).endswith(".npz"):
        p = Path(os.path.expanduser(os.fspath(path)))
        if p.is_file():
            return _load_npz(p)
        path = None
    arrays = _load_all(path, DEFAULT_SOURCE_URL)
    return ((arrays[TRAIN_IMAGES].copy(), arrays[TRAIN_LABELS].copy()),
            (arrays[TEST_IMAGES].copy(), arrays[TEST_LABELS].copy()))


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            parts = {k: np.array(f[k]) for k in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, KeyError, ValueError, zlib.error) as e:
        raise DatasetError(f"{path} is not a readable Keras mnist.npz ({e}). "
                           "Delete it or pass a directory holding the IDX files.",
                           path=str(path)) from None
    expected = {"x_train": (60000, 28, 28), "y_train": (60000,),
                "x_test": (10000, 28, 28), "y_test": (10000,)}
    for k, shape in expected.items():
        if parts[k].shape != shape or parts[k].dtype != np.uint8:
            raise DatasetError(f"{path}: {k} has shape {parts[k].shape} and dtype "
                               f"{parts[k].dtype}; expected {shape} uint8. Delete it or "
                               "pass a directory holding the IDX files.", path=str(path))
    return (parts["x_train"], parts["y_train"]), (parts["x_test"], parts["y_test"])
