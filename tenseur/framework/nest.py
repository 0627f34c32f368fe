"""Nested structures (lists, tuples, namedtuples, dicts): `tenseur.nest`, as `tf.nest`.

The one implementation used by the tape, `tf.function`, control flow and Keras.
"""
from __future__ import annotations

__all__ = ["flatten", "pack_sequence_as", "map_structure"]


def flatten(structure) -> list:
    """The leaves of nested lists, tuples and dicts (dicts in sorted key order), in order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure, flat):
    """`flat` (the leaves) put back in the shape of `structure`."""
    leaves = iter(flat)

    def build(s):
        if isinstance(s, dict):
            built = {key: build(s[key]) for key in sorted(s)}
            return type(s)((key, built[key]) for key in s) if type(s) is not dict else \
                {key: built[key] for key in s}
        if isinstance(s, (list, tuple)):
            items = [build(item) for item in s]
            if isinstance(s, tuple) and hasattr(s, "_fields"):
                return type(s)(*items)
            return type(s)(items)
        return next(leaves)

    return build(structure)


def map_structure(fn, *structures):
    """`fn` applied leaf by leaf to structures of the same shape."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("map_structure: the structures do not have the same number of leaves.")
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])
