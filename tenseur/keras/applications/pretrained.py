"""Pretrained files of the applications: where they are looked up, how they are downloaded, and
how a `weights=` argument is loaded into a model.

Keras' own files are used unchanged, under Keras' file names:

1. `~/.cache/tenseur/models/<file name>` (`~` follows `$HOME`);
2. otherwise the file is downloaded from Keras' URL into that directory, with a progress bar on
   stderr; it is written to a temporary name, its md5 checked (where Keras publishes one), and
   only then renamed into place, so a cut connection never leaves a half-written file;
3. otherwise `PretrainedFileNotFoundError` says which file to put where.

A file already in the cache is checked against Keras' md5 too (once per process): the ResNet50
files of Keras <= 2.3 have the same names but other layer names, and would load nothing.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

KERAS_APPLICATIONS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"

# Indirection so that tests replace the network (they never download).
_urlopen = urllib.request.urlopen
_DOWNLOAD_TIMEOUT_S = 60
_VERIFIED: set = set()      # (path, size, mtime) of cached files whose md5 was checked

# md5 of files that share a name with a Keras file but are another version of it.
_KNOWN_OTHER_VERSIONS = {
    "a7b3fe01876f51b976af0dea6bc144eb": "the ResNet50 file of Keras <= 2.3 (layer names conv1, "
                                        "bn_conv1, res2a_branch2a, ...)",
    "a268eb855778b3df3c7506639542a6af": "the ResNet50 file of Keras <= 2.3 (layer names conv1, "
                                        "bn_conv1, res2a_branch2a, ...)",
}


class PretrainedFileNotFoundError(FileNotFoundError):
    """A pretrained file is neither in the cache nor downloadable; the message says where to
    put it."""


class PretrainedFileError(ValueError):
    """A pretrained file exists but is not the one expected (checksum or layer names)."""


def cache_dir() -> Path:
    """`~/.cache/tenseur/models`, following `$HOME`."""
    return Path(os.path.expanduser("~")) / ".cache" / "tenseur" / "models"


def get_pretrained_file(file_name: str, url: str, md5: str | None = None,
                        what: str = "pretrained file") -> Path:
    """The path of `file_name` in the cache, downloading it from `url` when it is missing.

    Args:
        file_name: Keras' file name, e.g. "resnet50_weights_tf_dim_ordering_tf_kernels.h5".
        url: where Keras downloads it from.
        md5: its checksum, or None where Keras publishes none.
        what: how error messages call it ("the ImageNet weights of ResNet50").

    Returns:
        The `Path` of the verified file in `cache_dir()`.
    Raises:
        PretrainedFileNotFoundError: not cached and the download failed (no network...).
        PretrainedFileError: the cached or downloaded file does not have the expected md5.
    """
    path = cache_dir() / file_name
    if path.is_file():
        _check_cached(path, md5, url, what)
        return path
    return _download(path, url, md5, what)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_cached(path: Path, md5: str | None, url: str, what: str) -> None:
    if md5 is None:
        return
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = _md5(path)
    if actual != md5:
        other = _KNOWN_OTHER_VERSIONS.get(actual)
        found = f"it is {other}" if other else "it is corrupt or another version"
        raise PretrainedFileError(
            f"{path} is not {what}: its md5 is {actual}, expected {md5} ({found}). Delete it "
            f"and put Keras' current file from {url} there instead, or pass the path of your "
            f"own file as weights=<path>.")
    _VERIFIED.add(key)


def _not_found(path: Path, url: str, what: str, reason: str) -> PretrainedFileNotFoundError:
    return PretrainedFileNotFoundError(
        f"{what} ({path.name}) is not in {path.parent} and could not be downloaded from {url} "
        f"({reason}). Download it where there is a network connection and copy it to {path}, "
        f"or pass weights=None (random weights) or weights=<path of a weights file>.")


def _progress(name: str, done: int, total: int, last) -> int:
    """Draws a one-line progress bar on stderr; returns what it showed (to redraw only on
    change)."""
    mib = 2 ** 20
    shown = min(100, done * 100 // total) if total else done // mib
    if shown != last:
        width = 30
        filled = width * shown // 100 if total else 0
        size = f"{done / mib:6.1f} / {total / mib:.1f} MiB ({shown:3d}%)" if total \
            else f"{done / mib:6.1f} MiB"
        sys.stderr.write(f"\rDownloading {name} [{'=' * filled}{'.' * (width - filled)}] {size}")
        sys.stderr.flush()
    return shown


def _download(path: Path, url: str, md5: str | None, what: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_found(path, url, what, f"cannot create {path.parent}: {exc}") from exc
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with _urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
                    total = int(response.headers.get("Content-Length") or 0)
                    done, last = 0, None
                    for chunk in iter(lambda: response.read(1 << 16), b""):
                        out.write(chunk)
                        done += len(chunk)
                        last = _progress(path.name, done, total, last)
                    sys.stderr.write("\n")
            except urllib.error.HTTPError as exc:
                raise _not_found(path, url, what, f"HTTP {exc.code} {exc.reason}") from exc
            except (urllib.error.URLError, http.client.HTTPException, OSError,
                    ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise _not_found(path, url, what, f"{type(exc).__name__}: {reason}") from exc
            if total and done != total:
                raise _not_found(path, url, what,
                                 f"the transfer stopped after {done} of {total} bytes")
        if md5 is not None and _md5(Path(tmp)) != md5:
            raise PretrainedFileError(f"the file downloaded from {url} does not have the md5 "
                                      f"of {what} ({md5}), so it was discarded.")
        os.chmod(tmp, 0o644)    # mkstemp makes 0600; the cache is ordinary data
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


# -- the `weights=` argument --------------------------------------------------------------------

def check_weights_argument(weights) -> None:
    """Keras' rule: None, "imagenet", or the path of an existing file."""
    if weights is None or weights == "imagenet":
        return
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(os.path.expanduser(weights)):
        return
    raise ValueError("The `weights` argument should be either `None` (random initialization), "
                     "'imagenet' (pre-training on ImageNet), or the path to the weights file to "
                     f"be loaded. Received: weights={weights!r}"
                     + (" (no such file)" if isinstance(weights, (str, os.PathLike)) else ""))


def _check_report(model, report, path: str) -> None:
    """Loading by name skips what it does not find: refuse a file that missed layers."""
    missing = list(getattr(report, "missing_in_file", None) or [])
    if not missing:
        return
    unused = list(getattr(report, "unused_in_file", None) or [])
    if {"bn_conv1", "res2a_branch2a"} & set(unused):
        raise PretrainedFileError(
            f"{path} holds ResNet50 weights with the layer names of Keras <= 2.3 (conv1, "
            f"bn_conv1, res2a_branch2a, ...); model '{model.name}' uses the current names "
            f"(conv1_conv, conv1_bn, conv2_block1_1_conv, ...). Use Keras' current file "
            f"{KERAS_APPLICATIONS_URL}resnet/{Path(path).name} instead.")
    needed = [layer.name for layer in model.layers if layer.weights]
    extra = f"; the file's layers with weights are {', '.join(unused[:5])}" \
        f"{', ...' if len(unused) > 5 else ''}" if unused else ""
    raise PretrainedFileError(
        f"{path} has no weights for {len(missing)} of the {len(needed)} layers with weights of "
        f"model '{model.name}' (e.g. {', '.join(missing[:5])}){extra}. Is it the file of "
        f"another model, or of this model with(out) its top (include_top)?")


def load_weights_argument(model, weights, file_name: str, url: str, md5: str | None,
                          what: str) -> None:
    """Loads `weights` ("imagenet" → Keras' file `file_name`, or a path) into `model`.

    Files load by layer name (our layer names are Keras'), which also works where Keras'
    `model.layers` order differs from ours; a layer with weights that the file lacks is an
    error. A Keras 3 file written without layer names (early Keras 3) loads by position.
    """
    if weights is None:
        return
    if weights == "imagenet":
        path = str(get_pretrained_file(file_name, url, md5, what))
    else:
        path = os.path.expanduser(os.fspath(weights))
    report = model.load_weights(path, by_name=True)
    if getattr(report, "missing_in_file", None) and not report.loaded \
            and path.endswith((".keras", ".weights.h5")):
        report = model.load_weights(path)
    _check_report(model, report, path)


def check_model_arguments(model_name, weights, include_top, classes) -> None:
    """The checks every application shares: the `weights` value, and 1000 classes when
    ImageNet weights come with the top."""
    check_weights_argument(weights)
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model_name}: if using `weights='imagenet'` with `include_top=True`, "
                         f"`classes` should be 1000. Received classes={classes}")
