"""Keras initializers by name or object: `Dense(10, kernel_initializer="he_normal")`.

Each is a tenseur initializer (`init(shape, dtype)` returns a Tensor) with Keras' names,
defaults (Keras' RandomNormal stddev is 0.05) and `get_config`.
"""
from __future__ import annotations

from tenseur.ops import init_ops


class Initializer(init_ops.Initializer):
    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer, init_ops.Zeros):
    pass


class Ones(Initializer, init_ops.Ones):
    pass


class Constant(Initializer, init_ops.Constant):
    def __init__(self, value=0.0):
        init_ops.Constant.__init__(self, value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer, init_ops.RandomNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        init_ops.RandomNormal.__init__(self, mean, stddev, seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(Initializer, init_ops.TruncatedNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        init_ops.TruncatedNormal.__init__(self, mean, stddev, seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer, init_ops.RandomUniform):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        init_ops.RandomUniform.__init__(self, minval, maxval, seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer, init_ops.VarianceScaling):
    """Keras' VarianceScaling. `input_axes` / `output_axes` (Keras 3.15's fan axes for einsum
    kernels, written in its configs) are accepted when None, their default."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        _default_fan_axes(type(self).__name__, input_axes, output_axes)
        init_ops.VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _default_fan_axes(owner, input_axes, output_axes) -> None:
    if input_axes is not None or output_axes is not None:
        raise NotImplementedError(
            f"{owner}: input_axes={input_axes!r}, output_axes={output_axes!r} are not "
            f"supported; the fans are the kernel's usual ones (leave both None).")


def _scaling(name, scale, mode, distribution):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        _default_fan_axes(name, input_axes, output_axes)
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": f"{name}: variance {scale}/{mode}, {distribution}."})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(Initializer, init_ops.Orthogonal):
    def __init__(self, gain=1.0, seed=None):
        init_ops.Orthogonal.__init__(self, gain, seed)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer, init_ops.Identity):
    def __init__(self, gain=1.0):
        init_ops.Identity.__init__(self, gain)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity      # Keras 3's other name for it

_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, TruncatedNormal,
                                     RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal,
                                     HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
                                     Identity)}
_CLASSES["IdentityInitializer"] = Identity
_ALIASES = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
            "truncated_normal": TruncatedNormal, "random_uniform": RandomUniform,
            "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
            "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
            "identity": Identity,
            "uniform": RandomUniform, "normal": RandomNormal}   # Keras 2 short names
zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform, orthogonal, identity = LecunNormal, LecunUniform, Orthogonal, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling


def get(identifier):
    """An initializer object from a name ('glorot_uniform'), a config dict, or an object."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer: {identifier!r}. Known: {sorted(_ALIASES)}.")
        return cls()
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier["class_name"]) or _ALIASES.get(identifier["class_name"])
        if cls is None:
            raise ValueError(f"Unknown initializer class: {identifier['class_name']!r}.")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer) -> dict:
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config() if hasattr(initializer, "get_config") else {},
            "registered_name": None}


def deserialize(config, custom_objects=None):
    return get(config)
