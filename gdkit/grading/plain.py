"""Plain values as bytes: the only data that crosses between the trusted grader and a sandboxed runner.

A *plain* value is ``None``, a bool, int, float or str, a NumPy array of numbers, or a list, tuple or
str-keyed dict of plain values. :func:`dumps` writes one as a short JSON tree plus an uncompressed ``.npz``
(``allow_pickle=False``); :func:`loads` reads it back with size caps and never unpickles anything, so bytes
written by student code can at worst be rejected, never executed.
"""
import io
import json
import struct
import zipfile

import numpy as np

__all__ = ["dumps", "loads", "PlainError", "is_plain_answer"]

_MAGIC = b"GDKPLAIN1"
_MAX_DEPTH = 12


class PlainError(ValueError):
    """The bytes are not a well-formed plain value (or exceed a size cap)."""


def _encode(value, arrays, depth):
    if depth > _MAX_DEPTH:
        raise PlainError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return value if isinstance(value, int) else {"t": "float", "v": repr(float(value))}
    if isinstance(value, (np.ndarray, np.generic)):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "k": key}
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [_encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise PlainError("dict keys must be strings")
        return {"t": "dict", "v": [[k, _encode(v, arrays, depth + 1)] for k, v in value.items()]}
    raise PlainError(f"not a plain value: {type(value).__name__}")


def dumps(value):
    """Bytes holding the plain ``value``; raises :class:`PlainError` for anything else."""
    arrays = {}
    tree = json.dumps(_encode(value, arrays, 0)).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return _MAGIC + struct.pack("<Q", len(tree)) + tree + buffer.getvalue()


def _decode(node, arrays, depth):
    if depth > _MAX_DEPTH:
        raise PlainError("value nested too deeply")
    if node is None or isinstance(node, (bool, int, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, depth + 1) for v in node]
    if not isinstance(node, dict):
        raise PlainError(f"unexpected node {type(node).__name__}")
    kind = node.get("t")
    if kind == "float":
        return float(node["v"])
    if kind in ("array", "scalar"):
        array = arrays[node["k"]]
        return array if kind == "array" else array[()]
    if kind == "tuple":
        return tuple(_decode(v, arrays, depth + 1) for v in node["v"])
    if kind == "dict":
        return {str(k): _decode(v, arrays, depth + 1) for k, v in node["v"]}
    raise PlainError(f"unknown node kind {kind!r}")


MAX_ARRAYS = 4096  # arrays in one record: decoding each costs the reader's CPU, so their number is bounded first
MAX_TREE_BYTES = 4 * 2**20


def loads(data, max_bytes=64 * 2**20, max_arrays=MAX_ARRAYS):
    """The plain value in ``data`` (from :func:`dumps`); raises :class:`PlainError` if malformed or too big, and
    nothing else, whatever the bytes (a record is written by a process student code runs in).

    The record's shape is checked before anything is decoded: its size (``max_bytes``), the size of its JSON tree
    (:data:`MAX_TREE_BYTES`) and the number of arrays (``max_arrays``). Arrays are loaded with
    ``allow_pickle=False`` from a zip whose members are checked first: stored (uncompressed, unencrypted)
    ``.npy`` members only, their total size at most ``max_bytes``.
    """
    if not isinstance(data, (bytes, bytearray)) or len(data) > max_bytes or not data.startswith(_MAGIC) \
            or len(data) < len(_MAGIC) + 8:
        raise PlainError("not a plain-value record (or larger than the cap)")
    start = len(_MAGIC) + 8
    (tree_size,) = struct.unpack("<Q", data[len(_MAGIC):start])
    if tree_size > len(data) - start or tree_size > MAX_TREE_BYTES:
        raise PlainError("truncated record, or its tree is too large")
    try:
        if data.count(b"PK\x03\x04", start + tree_size) > max_arrays:
            raise PlainError(f"more than {max_arrays} arrays in the record")
        tree = json.loads(data[start:start + tree_size])
        with zipfile.ZipFile(io.BytesIO(data[start + tree_size:])) as archive:
            members = archive.infolist()
            if len(members) > max_arrays or any(
                    m.compress_type != zipfile.ZIP_STORED or not m.filename.endswith(".npy") or m.flag_bits & 0x1
                    for m in members) or sum(m.file_size for m in members) > max_bytes:
                raise PlainError("unexpected archive members")
        with np.load(io.BytesIO(data[start + tree_size:]), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        return _decode(tree, arrays, 0)
    except PlainError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to decode is a malformed record, never a grader crash
        raise PlainError(f"malformed record ({type(error).__name__})") from None


def is_plain_answer(value, depth=0):
    """Whether ``value`` has the form :func:`gdkit.grading.core.to_plain` produces: None, str, a numeric
    ndarray (bool, int, unsigned or float), or a tuple of those."""
    if depth > 6:
        return False
    if value is None or type(value) is str:
        return True
    if type(value) is np.ndarray:
        return value.dtype.kind in "biuf" and value.dtype.hasobject is False
    if type(value) is tuple:
        return all(is_plain_answer(v, depth + 1) for v in value)
    return False
