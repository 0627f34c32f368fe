"""Every public loss and metric class is found by name and rebuilt from its config, as Keras 3's
`keras.losses.get` / `keras.metrics.get` and `deserialize` find theirs: a model compiled with
any of them saves and loads compiled (`load_model` rebuilds the compile arguments by name)."""
import inspect

import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import losses, metrics


def _public(module, base):
    return sorted((name, cls) for name, cls in vars(module).items()
                  if inspect.isclass(cls) and issubclass(cls, base) and not name.startswith("_")
                  and cls.__module__.startswith(module.__name__)   # metrics_base, metrics_confusion
                  and cls not in (base, losses.LossFunctionWrapper, metrics.MeanMetricWrapper))


LOSSES = _public(losses, losses.Loss)
METRICS = _public(metrics, metrics.Metric)
# Constructor arguments some classes cannot do without.
_ARGS = {"MeanIoU": {"num_classes": 2}, "SensitivityAtSpecificity": {"specificity": 0.5},
         "SpecificityAtSensitivity": {"sensitivity": 0.5}, "PrecisionAtRecall": {"recall": 0.5},
         "RecallAtPrecision": {"precision": 0.5}}


def test_the_lists_hold_the_classes_keras_users_reach_for():
    names = {n for n, _ in LOSSES} | {n for n, _ in METRICS}
    assert {"BinaryFocalCrossentropy", "Dice", "Tversky", "F1Score", "TruePositives",
            "MeanIoU", "R2Score", "PrecisionAtRecall", "AUC"} <= names


@pytest.mark.parametrize("name, cls", LOSSES, ids=[n for n, _ in LOSSES])
def test_every_loss_class_is_found_by_name_and_config(name, cls):
    loss = cls(**_ARGS.get(name, {}))
    assert isinstance(losses.get(name), cls)
    back = losses.deserialize(losses.serialize(loss))
    assert type(back) is cls and back.get_config() == loss.get_config()


@pytest.mark.parametrize("name, cls", METRICS, ids=[n for n, _ in METRICS])
def test_every_metric_class_is_found_by_name_and_config(name, cls):
    metric = cls(**_ARGS.get(name, {}))
    if name not in _ARGS:
        assert isinstance(metrics.get(name), cls)
    back = metrics.deserialize(metrics.serialize(metric))
    assert type(back) is cls and back.get_config() == metric.get_config()


def test_a_model_with_a_focal_loss_and_f1_score_loads_compiled(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((16, 4)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="sigmoid")])
    model.compile("sgd", keras.losses.BinaryFocalCrossentropy(gamma=3.0),
                  metrics=[keras.metrics.F1Score(average="macro"), keras.metrics.TruePositives()])
    model.fit(x, y, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)


INITIALIZERS = sorted({(cls.__name__, cls) for cls in vars(keras.initializers).values()
                       if inspect.isclass(cls)
                       and issubclass(cls, keras.initializers.Initializer)
                       and cls is not keras.initializers.Initializer})


@pytest.mark.parametrize("name, cls", INITIALIZERS, ids=[n for n, _ in INITIALIZERS])
def test_every_initializer_class_is_found_by_name_and_config(name, cls):
    init = keras.initializers.get(name)
    assert type(init) is cls
    back = keras.initializers.get(keras.initializers.serialize(init))
    assert type(back) is cls and back.get_config() == init.get_config()


def test_identity_initializer_as_keras_and_tensorflow_make_it():
    import tenseur as tf
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(3, kernel_initializer="identity",
                                                 use_bias=False)])
    x = np.array([[1.0, -2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert type(keras.initializers.get("IdentityInitializer")) is keras.initializers.Identity
    with tf.Graph().as_default(), tf.Session() as sess:
        w = tf.get_variable("w", [2, 3], initializer=tf.initializers.identity(gain=0.5))
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), [[0.5, 0, 0], [0, 0.5, 0]])
    with pytest.raises(ValueError, match=r"2-D matrices only .* got shape \[3, 3, 2\]"):
        keras.initializers.Identity()((3, 3, 2))


def test_keras3_short_names_and_deserialize_functions():
    init = keras.initializers
    assert (init.random_normal, init.truncated_normal, init.random_uniform, init.lecun_normal,
            init.orthogonal, init.variance_scaling, init.identity) == (
        init.RandomNormal, init.TruncatedNormal, init.RandomUniform, init.LecunNormal,
        init.Orthogonal, init.VarianceScaling, init.Identity)
    for name in ("huber", "log_cosh", "categorical_hinge", "binary_focal_crossentropy",
                 "categorical_focal_crossentropy"):
        assert metrics.get(name) is getattr(losses, name) is getattr(metrics, name)
    reg = keras.regularizers.deserialize(keras.regularizers.serialize(keras.regularizers.L2(0.3)))
    assert type(reg) is keras.regularizers.L2 and reg.get_config() == {"l2": 0.3}
    con = keras.constraints.deserialize(keras.constraints.serialize(keras.constraints.MaxNorm(2)))
    assert type(con) is keras.constraints.MaxNorm and con.get_config()["max_value"] == 2


def test_custom_object_registry_as_keras_utils_exports_it(tmp_path):
    utils = keras.utils
    assert utils.register_keras_serializable is keras.saving.register_keras_serializable

    @utils.register_keras_serializable(package="registries_test")
    def twice(x):
        return 2.0 * x

    assert utils.get_registered_name(twice) == "registries_test>twice"
    assert utils.get_registered_object("registries_test>twice") is twice
    assert utils.get_registered_object("nothing_by_this_name") is None

    def thrice(x):
        return 3.0 * x

    assert utils.get_registered_object("thrice", custom_objects={"thrice": thrice}) is thrice
    with utils.CustomObjectScope({"thrice": thrice}):
        assert utils.get_registered_object("thrice") is thrice
    assert utils.get_registered_object("thrice") is None

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation=thrice)])
    path = tmp_path / "m.keras"
    model.save(path)
    with utils.CustomObjectScope({"thrice": thrice}):
        loaded = keras.models.load_model(path)
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_model_compiled_with_registered_custom_objects_loads_compiled(tmp_path):
    import tenseur as tf

    @keras.saving.register_keras_serializable(package="registries_test")
    class ScaledError(keras.losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    @keras.saving.register_keras_serializable(package="registries_test")
    def largest_error(y_true, y_pred):
        return tf.reduce_max(tf.abs(y_true - y_pred), axis=-1)

    rng = np.random.default_rng(1)
    x, y = rng.random((8, 4)).astype("float32"), rng.random((8, 2)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("sgd", ScaledError(scale=3.0), metrics=[largest_error])
    model.fit(x, y, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)       # found through the registry: no custom_objects
    assert type(loaded.loss) is ScaledError and loaded.loss.scale == 3.0
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)
