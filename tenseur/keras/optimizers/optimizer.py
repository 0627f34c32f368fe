"""`Optimizer`: the base of the Keras optimizers, on tenseur's ops, in graph and eager mode.

A Keras optimizer adds to the graph, once, the ops of one training step for a list of
variables: `apply_gradients([(grad, var), ...])` returns the Operation that clips the
gradients (`clipnorm`, `clipvalue`, `global_clipnorm`), applies `weight_decay`, updates every
variable by its rule, projects variables through their constraints, and increments
`iterations`. `fit` runs that Operation once per batch. In eager mode the same code runs op
by op: `apply_gradients` updates eager Variables at once (or, inside a `tenseur.function`,
adds the updates to the function's graph), with the optimizer's variables created eagerly on
first use.

The learning rate lives in a variable, so callbacks change it between steps without touching
the graph: `optimizer.learning_rate = 0.01`. A `LearningRateSchedule` is evaluated in the
graph on `iterations` instead (and is then not settable, as in Keras).

Update rules match Keras 3's (`keras/src/optimizers/*.py`). Where a TF 1.x optimizer of
`tenseur.train` computes exactly the same thing, a subclass wraps it (`FusedRule`): one fused
op per variable and step. Other rules are written with `assign`/`assign_add` on slot
variables (`update_step`).
"""
from __future__ import annotations

import contextlib
import warnings

import tenseur as tf

from ...eager.traced_steps import settings_of, traced_step
from .. import backend
from .schedules import LearningRateSchedule
from .schedules import deserialize as deserialize_schedule
from .schedules import serialize as serialize_schedule

_UNSUPPORTED = {"use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                "loss_scale_factor": None, "gradient_accumulation_steps": None}


class Optimizer:
    """Base class of Keras optimizers.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a
            callable returning the rate. (`lr=` is the deprecated Keras 2 spelling.)
        weight_decay: decoupled weight decay: each step first does `w -= lr * weight_decay * w`.
        clipnorm: clip each gradient to this L2 norm. clipvalue: clip each gradient element
            to [-clipvalue, clipvalue]. global_clipnorm: clip all gradients together so their
            global norm is at most this.
        name: prefix of the optimizer's variables and ops.
        decay: (Keras 2) time-based decay, `lr / (1 + decay * iterations)`.
    Raises:
        TypeError: an unknown keyword argument.
        ValueError: an invalid value, or more than one of the clipping arguments.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate = self._pop_legacy_arguments(learning_rate, kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}.")
        given = {"use_ema": use_ema, "ema_momentum": ema_momentum,
                 "ema_overwrite_frequency": ema_overwrite_frequency,
                 "loss_scale_factor": loss_scale_factor,
                 "gradient_accumulation_steps": gradient_accumulation_steps}
        for key, value in given.items():
            if value != _UNSUPPORTED[key]:
                raise NotImplementedError(f"{type(self).__name__}: {key}={value!r} is not "
                                          f"supported by tenseur yet.")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        _check_learning_rate(learning_rate, type(self).__name__)
        self.name = name or backend.snake_case(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self._learning_rate = learning_rate
        self._lr_variable = None
        self._iterations = None
        self._graph = None
        self._eager_variables = False       # built for eager Variables
        self._slots: dict[str, dict] = {}
        self._variables: list = []          # model variables the optimizer has seen
        self._own_variables: list = []      # iterations, learning rate, slots (in that order)
        self._exclude_from_decay_vars: set = set()
        self._exclude_from_decay_names: tuple = ()
        self.built = False

    def _pop_legacy_arguments(self, learning_rate, kwargs):
        """Keras 2 arguments: `lr` (a deprecated name of learning_rate) and `decay`."""
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            warnings.warn(f"The `lr` argument is deprecated, use `learning_rate` instead: "
                          f"{type(self).__name__}(learning_rate={lr!r}).", DeprecationWarning,
                          stacklevel=4)
            learning_rate = lr
        self._legacy_decay = float(kwargs.pop("decay", 0.0) or 0.0)
        return learning_rate

    # -- learning rate and step count ------------------------------------------------------

    @property
    def learning_rate(self):
        """The current learning rate as a Python float (a schedule: its value now)."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(self._current_step())
        if callable(self._learning_rate):
            value = self._learning_rate()
            return float(value) if not isinstance(value, tf.Tensor) else value
        if self._lr_variable is not None:
            return float(self._session_value(self._lr_variable))
        return float(self._learning_rate)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or callable(value):
            if self._lr_variable is not None or self.built:
                raise TypeError(f"{type(self).__name__}: the optimizer has already been used "
                                f"with a fixed learning rate; create a new optimizer to use "
                                f"a schedule.")
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, "
                            "you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        value = float(value)
        self._learning_rate = value
        if self._lr_variable is not None:
            with self._graph.as_default():
                backend.set_value(self._lr_variable, value)

    # Keras 2 name.
    lr = learning_rate

    @property
    def iterations(self):
        """The int64 variable counting the steps applied (None before the first build)."""
        return self._iterations

    def _current_step(self) -> int:
        if self._iterations is None:
            return 0
        return int(self._session_value(self._iterations))

    def _session_value(self, variable):
        with self._graph.as_default():
            return backend.get_value(variable)

    @property
    def variables(self) -> list:
        """The optimizer's variables: iterations, learning rate (if a variable), slots."""
        return list(self._own_variables) + self._extra_variables()

    def _extra_variables(self) -> list:
        return []

    # -- building --------------------------------------------------------------------------

    def build(self, var_list) -> None:
        """Creates the step counter, the learning-rate variable and the slots of `var_list`
        (in the variables' graph). Building again for new variables adds their slots."""
        var_list = list(var_list)
        if not var_list:
            return
        graph = var_list[0].graph
        if self._graph is not None and graph is not self._graph:
            raise ValueError(f"{type(self).__name__} '{self.name}' was built in another graph; "
                             f"create a new optimizer for this model (after "
                             f"keras.backend.clear_session(), for example).")
        new = [v for v in var_list if v not in self._variables]
        with graph.as_default(), graph.name_scope(None):
            if not self.built:
                self._graph = graph
                self._eager_variables = backend.is_eager_variable(var_list[0])
                self._iterations = self._add_variable(0, "iterations", tf.int64)
                if not callable(self._learning_rate):
                    self._lr_variable = self._add_variable(float(self._learning_rate),
                                                           "learning_rate", tf.float32)
                self.built = True
            if new:
                self._variables.extend(new)
                self._create_slots(new)

    def _add_variable(self, initial_value, name, dtype):
        """A non-trainable variable `<optimizer name>/<name>` tracked for initialization."""
        variable = tf.Variable(tf.constant(initial_value, dtype=dtype),
                               name=f"{self.name}/{name}", trainable=False)
        backend.track_variable(variable)
        self._own_variables.append(variable)
        return variable

    def add_slot(self, var, slot_name, initial_value=0.0):
        """The slot `slot_name` of model variable `var`: a variable of its shape filled with
        `initial_value`, created on first request."""
        slots = self._slots.setdefault(slot_name, {})
        slot = slots.get(var)
        if slot is None:
            key = var.op.name.replace("/", "_")
            with var.graph.as_default(), var.graph.name_scope(None):
                shape = var.shape.as_list()
                slot = tf.Variable(tf.fill(shape, tf.constant(initial_value, dtype=var.dtype)),
                                   name=f"{self.name}/{key}_{slot_name}", trainable=False)
            backend.track_variable(slot)
            self._own_variables.append(slot)
            slots[var] = slot
        return slot

    def get_slot(self, var, slot_name):
        return self._slots.get(slot_name, {}).get(var)

    def _create_slots(self, var_list) -> None:
        """Creates the slot variables of `var_list` (override)."""

    # -- one training step -----------------------------------------------------------------

    def apply_gradients(self, grads_and_vars, name=None):
        """Adds the ops of one step; returns the Operation to run for it.

        Args:
            grads_and_vars: (gradient, variable) pairs; pairs whose gradient is None are
                skipped with a warning.
        Raises:
            ValueError: every gradient is None.
        """
        pairs = [(g, v) for g, v in grads_and_vars]
        missing = [v.name for g, v in pairs if g is None]
        pairs = [(g, v) for g, v in pairs if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          f"loss. If using `model.compile()`, did you forget to provide a "
                          f"`loss` argument?", stacklevel=2)
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        self.build(variables)
        if self._eager_variables and tf.executing_eagerly() and not (
                callable(self._learning_rate)
                and not isinstance(self._learning_rate, LearningRateSchedule)):
            # From the second step on, the step runs as one traced function (a learning rate
            # given as a Python callable is read at every step instead: not traced).
            key = (settings_of(self), id(self._learning_rate))
            if traced_step(self, variables, grads,
                           lambda gs: self.apply_gradients(zip(gs, variables), name), key):
                return self._iterations
        graph = self._graph
        if self._eager_variables:
            # Eager variables are updated where the code runs: now (eager mode), or in the
            # graph of the function being traced.
            graph = tf.get_default_graph()
        eager = tf.executing_eagerly()
        with graph.as_default(), graph.name_scope(name or self.name):
            grads = self._clip_gradients(grads)
            lr = self._learning_rate_tensor()
            decay_ops = self._weight_decay_ops(variables, lr)
            self._step_ops = []
            with _after(graph, decay_ops, eager):
                new_values = self._update(grads, variables, lr)
            updates = list(decay_ops) + [new_values[v] for v in variables] + self._step_ops
            constrained = []
            for var in variables:
                constraint = getattr(var, "constraint", None)
                if constraint is not None:
                    constrained.append(var.assign(constraint(new_values[var])))
            with _after(graph, updates + constrained, eager):
                step = self._iterations.assign_add(tf.constant(1, dtype=tf.int64))
            if eager:
                # Every update has run; Keras 3 returns the step counter.
                return self._iterations
            return tf.group(*updates, *constrained, step, name="update")

    def apply(self, grads, trainable_variables):
        """`apply_gradients(zip(grads, trainable_variables))` (Keras 3)."""
        return self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Computes the gradients of `loss` for `var_list` and applies them.

        Graph mode: adds the gradient and update ops; returns the Operation running one step.
        Eager mode: `loss` is a zero-argument function (called under a GradientTape), or a
        tensor computed under `tape`; the step is taken now.

        Raises:
            ValueError: in eager mode, a loss tensor without the tape that recorded it.
        """
        var_list_fn = var_list if callable(var_list) else None
        if tf.executing_eagerly():
            if callable(loss) and not isinstance(loss, tf.Tensor):
                with tf.GradientTape() as loss_tape:
                    loss = loss()
                tape = loss_tape
            elif tape is None:
                raise ValueError(f"{type(self).__name__}.minimize: in eager mode `loss` must be "
                                 f"a function returning the loss (it is called under a "
                                 f"GradientTape), or pass the `tape` that computed it.")
            var_list = list(var_list_fn() if var_list_fn else var_list)
            grads = tape.gradient(loss, var_list)
            return self.apply_gradients(zip(grads, var_list))
        if callable(loss) and not isinstance(loss, tf.Tensor):
            loss = loss()
        var_list = list(var_list_fn() if var_list_fn else var_list)
        grads = tf.gradients(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _update(self, grads, variables, lr) -> dict:
        """{variable: its new value (a tensor)} after the update of every variable; other ops
        the step must run go to `self._step_ops`."""
        self._prepare_step(lr)
        return {var: self.update_step(grad, var, self._cast(lr, var.dtype))
                for grad, var in zip(grads, variables)}

    def _prepare_step(self, lr) -> None:
        """Adds the per-step quantities shared by every variable (override)."""
        self._step_cache = {}

    def update_step(self, gradient, variable, learning_rate):
        """Adds the update of `variable`; returns the tensor of its new value (override)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step.")

    @staticmethod
    def _cast(x, dtype):
        return x if x.dtype == dtype else tf.cast(x, dtype)

    def _local_step(self, dtype):
        """`iterations + 1` as a float tensor (the 1-based number of the step being taken)."""
        key = ("local_step", dtype)
        cache = self._step_cache
        if key not in cache:
            cache[key] = tf.cast(self._iterations + 1, dtype)
        return cache[key]

    def _learning_rate_tensor(self):
        if isinstance(self._learning_rate, LearningRateSchedule):
            lr = tf.cast(self._learning_rate(self._iterations), tf.float32)
        elif callable(self._learning_rate):
            lr = tf.cast(tf.convert_to_tensor(self._learning_rate()), tf.float32)
        else:
            lr = self._lr_variable.value()
        if self._legacy_decay:
            steps = tf.cast(self._iterations, tf.float32)
            lr = lr * (1.0 / (1.0 + self._legacy_decay * steps))
        return lr

    def _clip_gradients(self, grads) -> list:
        if self.clipnorm:
            return [_clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm:
            squares = [tf.reduce_sum(tf.square(tf.cast(g, tf.float32))) for g in grads]
            global_norm = tf.sqrt(tf.add_n(squares))
            scale = self.global_clipnorm / tf.maximum(global_norm, self.global_clipnorm)
            return [g * tf.cast(scale, g.dtype) for g in grads]
        if self.clipvalue:
            return [tf.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return list(grads)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Variables (or variables whose name contains one of `var_names`) not decayed."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_from_decay_vars = set(var_list or [])
        self._exclude_from_decay_names = tuple(var_names or ())

    def _weight_decay_ops(self, variables, lr) -> list:
        if not self.weight_decay:
            return []
        ops = []
        for var in variables:
            if var in self._exclude_from_decay_vars or any(
                    name in var.name for name in self._exclude_from_decay_names):
                continue
            factor = self._cast(lr, var.dtype) * self.weight_decay
            ops.append(var.assign_sub(var * factor))
        return ops

    # -- configuration ---------------------------------------------------------------------

    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = serialize_schedule(lr)
        elif not callable(lr):
            lr = self.learning_rate if self.built else float(lr)
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                  "clipvalue": self.clipvalue, **_UNSUPPORTED}
        if self._legacy_decay:
            config["decay"] = self._legacy_decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"],
                                                           custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<keras.optimizers.{type(self).__name__} name={self.name}>"


class FusedRule(Optimizer):
    """An optimizer whose rule is a TF 1.x `tenseur.train` optimizer's fused update op.

    Subclasses implement `_make_tf_optimizer(cls, learning_rate)`, creating an instance of
    `cls` (a subclass of the TF 1.x class, given) with `learning_rate` (a callable returning
    the step's rate tensor), and list their TF slot names in `_tf_slot_names`.
    """

    _tf_class = None
    _tf_slot_names: tuple = ()

    def _make_tf_optimizer(self, cls, learning_rate):
        raise NotImplementedError

    def _tf(self):
        """The wrapped TF 1.x optimizer (created once, so its slots persist)."""
        if getattr(self, "_tf_optimizer", None) is None:
            self._tf_optimizer = self._make_tf_optimizer(_recording_class(self._tf_class),
                                                         lambda: self._step_lr)
        return self._tf_optimizer

    def _create_slots(self, var_list):
        # Create the TF 1.x slots now rather than at the first step, so `variables` is
        # complete once built (a saved optimizer state can then be loaded before training).
        self._tf()._create_slots(var_list)
        self._track_tf_variables()

    def _track_tf_variables(self):
        known = {id(v) for v in self._own_variables}
        tracked = getattr(self, "_tracked_tf", set())
        for variable in self._tf().variables():
            if id(variable) not in known and id(variable) not in tracked:
                backend.track_variable(variable)
                tracked.add(id(variable))
        self._tracked_tf = tracked

    def _update(self, grads, variables, lr):
        self._step_lr = lr
        tf_optimizer = self._tf()
        tf_optimizer.new_values = {}
        # The TF 1.x op also updates the optimizer's own state (Adam's beta powers).
        self._step_ops.append(tf_optimizer.apply_gradients(list(zip(grads, variables)),
                                                           name="apply"))
        self._track_tf_variables()
        return dict(tf_optimizer.new_values)

    def _extra_variables(self) -> list:
        tf_optimizer = getattr(self, "_tf_optimizer", None)
        if tf_optimizer is None:
            return []
        slots = [tf_optimizer.get_slot(v, name) for name in self._tf_slot_names
                 for v in self._variables]
        slots = [s for s in slots if s is not None]
        others = [v for v in tf_optimizer.variables() if all(v is not s for s in slots)]
        return slots + others


_RECORDING: dict = {}


def _recording_class(tf_class):
    """A subclass of the TF 1.x optimizer `tf_class` that remembers each variable's new value
    (the output of its update op), which the constraints need."""
    cls = _RECORDING.get(tf_class)
    if cls is None:
        def _apply_dense(self, grad, var):
            new_value = tf_class._apply_dense(self, grad, var)
            self.new_values[var] = new_value
            return new_value

        cls = type(f"Recording{tf_class.__name__}", (tf_class,), {"_apply_dense": _apply_dense})
        _RECORDING[tf_class] = cls
    return cls


def _after(graph, control_inputs, eager):
    """Ops made inside run after `control_inputs` (eagerly they run in program order)."""
    if eager:
        return contextlib.nullcontext()
    return graph.control_dependencies(control_inputs)


def _clip_by_norm(grad, clip_norm):
    """`grad * clip_norm / max(norm(grad), clip_norm)` (Keras' form, safe at norm 0)."""
    squared = tf.reduce_sum(tf.square(grad))
    norm = tf.sqrt(tf.maximum(squared, 0.0))
    return grad * clip_norm / tf.maximum(norm, clip_norm)


def _check_learning_rate(learning_rate, owner):
    if isinstance(learning_rate, (LearningRateSchedule, int, float)) or callable(learning_rate):
        if isinstance(learning_rate, (int, float)) and learning_rate < 0:
            raise ValueError(f"{owner}: learning_rate must be >= 0, got {learning_rate}.")
        return
    try:
        float(learning_rate)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: learning_rate must be a float, a LearningRateSchedule or a "
                        f"callable, got {learning_rate!r}.") from None
