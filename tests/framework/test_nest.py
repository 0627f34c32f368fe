"""tf.nest: flatten / pack_sequence_as / map_structure on lists, tuples, namedtuples, dicts."""
from collections import namedtuple

import pytest

import tenseur as tf


def test_round_trip_keeps_types_and_dict_order():
    Pair = namedtuple("Pair", "a b")
    structure = {"z": [1, (2, 3)], "a": Pair(4, {"k": 5})}
    flat = tf.nest.flatten(structure)
    assert flat == [4, 5, 1, 2, 3]                      # dicts by sorted key
    rebuilt = tf.nest.pack_sequence_as(structure, flat)
    assert rebuilt == structure and list(rebuilt) == ["z", "a"]
    assert isinstance(rebuilt["a"], Pair) and isinstance(rebuilt["z"][1], tuple)


def test_map_structure_and_mismatch():
    assert tf.nest.map_structure(lambda x, y: x + y, [1, (2,)], [10, (20,)]) == [11, (22,)]
    with pytest.raises(ValueError, match="same number of leaves"):
        tf.nest.map_structure(lambda x, y: x, [1, 2], [1])
