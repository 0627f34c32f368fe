"""Graphs exported as GraphDef protos: what TensorBoard's graph dashboard reads."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import tenseur as tf  # noqa: E402
from tenseur.summary.graph_export import attr_value, graph_def_proto  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DT_FLOAT, DT_INT32, DT_STRING = 1, 3, 7


def seed_graph():
    a = tf.placeholder(tf.float32, shape=(), name="a")
    b = tf.placeholder(tf.float32, shape=(), name="b")
    return tf.sqrt(a + tf.sin(b))


def nodes_by_name(graph_def):
    return {node.name: node for node in graph_def.node}


def test_seed_graph_comes_back_from_the_event_file(tmp_path, load_run):
    seed_graph()
    with tf.Session() as sess:
        tf.summary.FileWriter(str(tmp_path), sess.graph).close()
    graph_def = load_run(tmp_path).Graph()
    assert [(n.name, n.op, list(n.input)) for n in graph_def.node] == [
        ("a", "Placeholder", []), ("b", "Placeholder", []), ("Sin", "Sin", ["b"]),
        ("add", "Add", ["a", "Sin"]), ("Sqrt", "Sqrt", ["add"])]
    a = nodes_by_name(graph_def)["a"]
    assert a.attr["dtype"].type == DT_FLOAT
    assert a.attr["shape"].shape.dim == [] and not a.attr["shape"].shape.unknown_rank
    assert list(a.attr["_output_shapes"].list.shape) == [a.attr["shape"].shape]


def load_mlp_example():
    spec = importlib.util.spec_from_file_location("mlp_tf_example", EXAMPLES / "mlp_tf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mlp_scopes_and_shapes(tmp_path, load_run):
    mlp = load_mlp_example()
    x, y, out, loss = mlp.build_model()
    tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_graph(tf.get_default_graph())
    writer.close()
    nodes = nodes_by_name(load_run(tmp_path).Graph())
    for layer in ("hidden_1", "hidden_2", "hidden_3", "output_layer"):
        assert nodes[f"{layer}/weights"].op == "VariableV2"
        assert nodes[f"{layer}/MatMul"].op == "MatMul"
    assert list(nodes["hidden_1/MatMul"].input) == ["x", "hidden_1/weights"]
    assert list(nodes["hidden_2/MatMul"].input) == ["hidden_1/out", "hidden_2/weights"]
    weights = nodes["hidden_1/weights"]
    assert [d.size for d in weights.attr["shape"].shape.dim] == [784, 64]
    assert weights.attr["var_name"].s == b"hidden_1/weights"
    matmul_shape = nodes["hidden_1/MatMul"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in matmul_shape.dim] == [-1, 64]           # None batch -> -1
    assert nodes["hidden_1/MatMul"].attr["transpose_a"].b is False
    assert nodes["hidden_1/MatMul"].attr["T"].type == DT_FLOAT


def test_control_inputs_devices_and_multiple_outputs():
    x = tf.placeholder(tf.float32, shape=[None, 4], name="x")
    first, second = tf.split(x, 2, axis=1, name="halves")
    with tf.control_dependencies([first]):
        tf.add(second, 1.0, name="total")
    nodes = nodes_by_name(graph_def_proto(tf.get_default_graph()))
    assert list(nodes["total"].input) == ["halves:1", "total/y", "^halves"]
    assert len(nodes["halves"].attr["_output_shapes"].list.shape) == 2
    assert all(node.device == "" for node in nodes.values())
    plain = graph_def_proto(tf.get_default_graph().as_graph_def())
    assert [n.name for n in plain.node] == [n.name for n in nodes.values()]
    assert "_output_shapes" not in plain.node[0].attr              # no shapes in plain NodeDefs
    assert graph_def_proto(plain) is plain


def test_constants_small_with_values_large_without():
    tf.constant([[1, 2], [3, 4]], name="small")
    tf.constant(np.zeros((100, 100), np.float32), name="large")
    tf.constant(["a", "bc"], name="words")
    nodes = nodes_by_name(graph_def_proto(tf.get_default_graph()))
    small = nodes["small"].attr["value"].tensor
    assert small.dtype == DT_INT32 and [d.size for d in small.tensor_shape.dim] == [2, 2]
    np.testing.assert_array_equal(np.frombuffer(small.tensor_content, "<i4"), [1, 2, 3, 4])
    large = nodes["large"].attr["value"].tensor
    assert [d.size for d in large.tensor_shape.dim] == [100, 100] and large.tensor_content == b""
    words = nodes["words"].attr["value"].tensor
    assert words.dtype == DT_STRING and list(words.string_val) == [b"a", b"bc"]


@pytest.mark.parametrize("value, field, expected", [
    (tf.int32, "type", DT_INT32), (True, "b", True), (3, "i", 3), (np.int64(4), "i", 4),
    (0.5, "f", 0.5), ("NHWC", "s", b"NHWC"), (b"raw", "s", b"raw"),
])
def test_attr_values(value, field, expected):
    assert getattr(attr_value(value), field) == expected


def test_attr_lists_and_unknown_values():
    assert list(attr_value((1, -1)).list.i) == [1, -1]
    assert list(attr_value([0.5, 2]).list.f) == [0.5, 2.0]
    assert list(attr_value([True, False]).list.b) == [True, False]
    assert list(attr_value(["a", "b"]).list.s) == [b"a", b"b"]
    assert list(attr_value([tf.float32, tf.string]).list.type) == [DT_FLOAT, DT_STRING]
    shapes = attr_value([tf.TensorShape([None, 3]), tf.TensorShape(None)]).list.shape
    assert [d.size for d in shapes[0].dim] == [-1, 3] and shapes[1].unknown_rank
    assert attr_value(()).HasField("list")
    assert attr_value([1, "mixed"]).s == b"[1, 'mixed']"
    assert attr_value(slice(1, 2)).s == b"slice(1, 2, None)"


def test_graph_def_argument_errors(tmp_path):
    with pytest.raises(TypeError, match="tenseur Graph.*got int"):
        graph_def_proto(3)
    with pytest.raises(ValueError, match="only graph, or graph_def"):
        tf.summary.FileWriter(str(tmp_path), tf.get_default_graph(),
                              graph_def=tf.get_default_graph().as_graph_def())
