"""`Optimizer`: the TF 1.x base class of the training algorithms (`tf.train.Optimizer`).

`minimize(loss)` = `compute_gradients(loss)` (symbolic gradients, `tenseur.gradients`) +
`apply_gradients(grads_and_vars)`, which adds one fused update op per variable (see
`ops/training_ops.py`) and groups them into the returned Operation.

Slot variables (Adam's `m` and `v`, momentum accumulators...) are ordinary non-trainable
Variables named `<variable>/<optimizer name>` (`w/Adam`, then `w/Adam_1`), created the first
time `apply_gradients` sees a variable, in GLOBAL_VARIABLES: so `global_variables_initializer()`
must be built after `minimize`, and checkpoints hold them. Non-slot variables (Adam's
`beta1_power`) are created once per graph.

A subclass implements `_create_slots(var_list)`, `_prepare()` and `_apply_dense(grad, var)`,
optionally `_finish(update_ops, name_scope)`, exactly as in TensorFlow 1.x.
"""
from __future__ import annotations

from ..autodiff.gradients import gradients
from ..autodiff.tape import GradientTape
from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor
from ..ops import array_ops, math_ops
from ..ops.registry import convert_to_tensor, executing_eagerly
from ..ops.variables import Variable

__all__ = ["Optimizer"]

_TRAINABLE_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


class Optimizer:
    """Base class of optimizers: computes gradients of a loss and applies them to variables.

    Args:
        use_locking: accepted for TF 1.x compatibility (updates never race in tenseur).
        name: the prefix of the ops and slot variables the optimizer creates.
    Example:
        >>> train_op = tenseur.train.GradientDescentOptimizer(0.5).minimize(loss)
        >>> sess.run(tenseur.global_variables_initializer())
        >>> for _ in range(100):
        ...     sess.run(train_op, feed_dict={x: batch_x, y: batch_y})
    """

    # How gradients are gated (TF 1.x); tenseur's executor runs one op at a time, so all three
    # give the same numbers.
    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Optimizer: must specify the optimizer name.")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict] = {}           # slot name -> {variable: slot Variable}
        self._non_slot_dict: dict[tuple, Variable] = {}   # (name, graph) -> Variable
        self._hyper_cache: dict = {}                 # see _hyper
        self._apply_scope = ""

    def get_name(self) -> str:
        return self._name

    # -- the three public steps ------------------------------------------------------------

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Adds the ops that update `var_list` to lower `loss`; returns the training Operation.

        Args:
            loss: a scalar Tensor to minimize.
            global_step: optional Variable incremented by one after the updates.
            var_list: the variables to update (default: the graph's trainable variables).
            name: the name of the returned operation (default: the optimizer's name).
            grad_loss: optional Tensor holding the gradient of `loss` (default ones).
        Returns:
            An Operation; running it applies one step (its fetched value is None).
        Raises:
            ValueError: no variable to optimize, or no variable receives a gradient.
        """
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if all(g is None for g, _ in grads_and_vars):
            raise ValueError(
                f"No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[str(v) for _, v in grads_and_vars]} "
                f"and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """The gradients of `loss` for the variables of `var_list`.

        Returns:
            A list of (gradient, variable) pairs, in the order of `var_list`; the gradient is
            None for a variable `loss` does not depend on.
        Raises:
            ValueError: there is no variable to optimize, or `gate_gradients` is invalid.
            TypeError: `loss` or a variable is not floating-point.
        """
        if gate_gradients not in (self.GATE_NONE, self.GATE_OP, self.GATE_GRAPH):
            raise ValueError(f"gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH. Not {gate_gradients!r}.")
        if executing_eagerly():
            return self._compute_gradients_eagerly(loss, var_list, grad_loss)
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            loss = loss()
        loss = convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            grad_loss = convert_to_tensor(grad_loss)
            self._assert_valid_dtypes([grad_loss])
        if var_list is None and getattr(loss.graph, "_building_function", False):
            # Inside a traced tenseur.function: the trainable eager variables it reads.
            var_list = [v for v in loss.graph.variables() if v.trainable]
        elif var_list is None:
            var_list = loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        else:
            var_list = [_as_variable(v) for v in _flatten(var_list)]
        if not var_list:
            raise ValueError("No variables to optimize.")
        self._assert_valid_dtypes(var_list)
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss],
                          aggregation_method=aggregation_method,
                          colocate_gradients_with_ops=colocate_gradients_with_ops)
        return list(zip(grads, var_list))

    def _compute_gradients_eagerly(self, loss, var_list, grad_loss):
        """Eager `compute_gradients`: `loss` is a function, differentiated on a GradientTape;
        without `var_list`, the trainable variables it reads."""
        if not callable(loss) or isinstance(loss, (Tensor, Variable)):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled: it is called under a "
                               "GradientTape, e.g. opt.minimize(lambda: loss_fn(x, y)).")
        if var_list is not None:
            var_list = [_as_variable(v) for v in _flatten(var_list)]
        with GradientTape() as tape:
            if var_list is not None:
                tape.watch(var_list)
            loss_value = convert_to_tensor(loss())
        self._assert_valid_dtypes([loss_value])
        if var_list is None:
            var_list = list(tape.watched_variables())
        if not var_list:
            raise ValueError("No variables to optimize.")
        self._assert_valid_dtypes(var_list)
        grads = tape.gradient(loss_value, var_list,
                              output_gradients=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Adds the update of each variable by its gradient (None gradients are skipped).

        Args:
            grads_and_vars: (gradient, variable) pairs, as `compute_gradients` returns.
            global_step: optional Variable incremented by one once every update has run.
            name: the name of the returned operation (default: the optimizer's name).
        Returns:
            The Operation applying the updates (and incrementing `global_step`).
        Raises:
            TypeError: a pair is malformed or a variable is not a Variable.
            ValueError: every gradient is None.
        """
        pairs = []
        for pair in grads_and_vars:
            try:
                grad, var = pair
            except (TypeError, ValueError):
                raise TypeError(f"apply_gradients: grads_and_vars must be a list of (gradient, "
                                f"variable) pairs, got {pair!r}.") from None
            var = _as_variable(var)
            if grad is not None:
                grad = convert_to_tensor(grad, dtype=var.dtype)
            pairs.append((grad, var))
        if not pairs:
            raise ValueError("apply_gradients: grads_and_vars is empty; there is nothing to "
                             "apply.")
        var_list = [v for g, v in pairs if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[str(v) for _, v in pairs]}.")
        eager = executing_eagerly()
        if eager and _is_eager_variable(var_list[0]) and self._settings_traceable():
            # From the second step on, the updates run as one traced function.
            from ..eager.traced_steps import settings_of, traced_step
            key = (None if global_step is None else id(global_step), name, settings_of(self))
            if traced_step(self, var_list, [g for g, _ in pairs if g is not None],
                           lambda gs: self.apply_gradients(zip(gs, var_list), global_step, name),
                           key):
                return None
        # Eager variables are updated where the code runs: now, or in the function traced.
        graph = get_default_graph() if _is_eager_variable(var_list[0]) else var_list[0].graph
        with graph.as_default():
            with graph.control_dependencies(None), graph.name_scope(None):
                self._create_slots(var_list)
            with graph.name_scope(name or self._name) as scope:
                self._hyper_cache, self._apply_scope = {}, scope
                self._prepare()
                update_ops = []
                for grad, var in pairs:
                    if grad is None:
                        continue
                    with graph.name_scope("update_" + var.op.name):
                        update_ops.append(self._apply_dense(grad, var))
                if eager:
                    self._finish(update_ops, scope)
                    if global_step is not None:
                        _as_variable(global_step).assign_add(1)
                    return None
                if global_step is None:
                    train_op = self._finish(update_ops, scope)
                else:
                    with graph.control_dependencies([self._finish(update_ops, "update")]):
                        train_op = _as_variable(global_step).assign_add(1, name=scope).op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if train_op not in train_ops:
                train_ops.append(train_op)
        return train_op

    def _settings_traceable(self) -> bool:
        """Whether a traced step may bake in this optimizer's settings: not when a
        hyper-parameter is a callable or a tensor (read anew at every step)."""
        return not any(callable(v) or isinstance(v, Tensor) for v in vars(self).values())

    # -- slots and non-slot variables ------------------------------------------------------

    def get_slot(self, var, name):
        """The slot variable `name` of `var` (e.g. Adam's "m"), or None."""
        return self._slots.get(name, {}).get(_as_variable(var))

    def get_slot_names(self) -> list:
        """The names of the slots this optimizer creates (sorted): e.g. ["m", "v"] for Adam."""
        return sorted(self._slots)

    def variables(self) -> list:
        """The variables this optimizer created in the default graph (slots and non-slots),
        sorted by name."""
        graph = _variables_graph(get_default_graph())
        found = [v for (_, g), v in self._non_slot_dict.items() if g is graph]
        found += [v for slots in self._slots.values() for v in slots.values() if v.graph is graph]
        return sorted(found, key=lambda v: v.name)

    def _zeros_slot(self, var, slot_name, op_name):
        """The slot `slot_name` of `var`, created filled with zeros."""
        return self._filled_slot(var, 0.0, slot_name, op_name)

    def _filled_slot(self, var, fill_value, slot_name, op_name):
        """The slot `slot_name` of `var`, created (non-trainable) filled with `fill_value`."""
        named = self._slots.setdefault(slot_name, {})
        slot = named.get(var)
        if slot is None:
            slot = _create_slot_var(var, fill_value, op_name)
            named[var] = slot
        return slot

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name,
                                           op_name):
        """The slot `slot_name` of `var`, created from `initializer(shape, dtype)` (TF 1.x)."""
        return self._get_or_make_slot(var, lambda: initializer(shape.as_list(), dtype=dtype),
                                      slot_name, op_name)

    def _get_or_make_slot(self, var, initial_value, slot_name, op_name):
        """The slot `slot_name` of `var`, created from `initial_value` (a value or Tensor)."""
        named = self._slots.setdefault(slot_name, {})
        slot = named.get(var)
        if slot is None:
            with var.graph.as_default():
                slot = Variable(initial_value, trainable=False, dtype=var.dtype,
                                name=f"{var.op.name}/{op_name}")
            named[var] = slot
        return slot

    def _slot(self, var, slot_name):
        return self._slots[slot_name][var]

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        """The per-graph variable `name` (e.g. Adam's `beta1_power`), created once."""
        graph = colocate_with.graph
        key = (name, graph)
        var = self._non_slot_dict.get(key)
        if var is None:
            with graph.as_default():
                var = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = var
        return var

    def _get_non_slot_variable(self, name, graph=None):
        graph = graph if graph is not None else get_default_graph()
        return self._non_slot_dict.get((name, _variables_graph(graph)))

    def _non_slot_variables(self) -> list:
        return list(self._non_slot_dict.values())

    # -- hooks for subclasses --------------------------------------------------------------

    def _create_slots(self, var_list) -> None:
        """Creates the slot variables of `var_list` (none by default)."""

    def _prepare(self) -> None:
        """Turns the hyper-parameters into tensors, once per `apply_gradients` (none here)."""

    def _apply_dense(self, grad, var):
        """Adds the update of `var` by `grad`; returns the op or its output."""
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_dense.")

    def _finish(self, update_ops, name_scope):
        """Groups the update ops into the Operation named `name_scope`."""
        return array_ops.group(*update_ops, name=name_scope)

    def _hyper(self, name, value, dtype):
        """Hyper-parameter `value` (number, Tensor, Variable or callable) as a scalar `dtype`
        tensor, made once per (name, dtype) in each `apply_gradients`, in the optimizer's scope.

        A Python number becomes a Const of `dtype` directly (no float32 rounding for float64
        variables); a tensor is cast only when its dtype differs.
        """
        dtype = dtypes.as_dtype(dtype).base_dtype
        key = (name, dtype)
        tensor = self._hyper_cache.get(key)
        if tensor is None:
            if callable(value) and not isinstance(value, (Tensor, Variable)):
                value = value()
            graph = get_default_graph()
            with graph.name_scope(self._apply_scope):
                if isinstance(value, (Tensor, Variable)):
                    tensor = math_ops.cast(convert_to_tensor(value), dtype)
                else:
                    tensor = array_ops.constant(value, dtype=dtype, name=name)
            self._hyper_cache[key] = tensor
        return tensor

    @staticmethod
    def _assert_valid_dtypes(tensors) -> None:
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in _TRAINABLE_DTYPES:
                raise TypeError(f"Invalid type {dtype.name} for {t.name}, expected: "
                                f"{[d.name for d in _TRAINABLE_DTYPES]}.")


def _create_slot_var(var, fill_value, op_name):
    """A non-trainable Variable `<var>/<op_name>` shaped like `var`, filled with `fill_value`."""
    shape = var.shape
    name = {0.0: "zeros", 1.0: "ones"}.get(fill_value, "Fill")

    def initial_value():
        value = array_ops.constant(fill_value, dtype=var.dtype)
        if shape.is_fully_defined():
            # Fill keeps only a scalar in the graph, however large the variable.
            return array_ops.fill(shape.as_list(), value, name=name)
        return math_ops.add(array_ops.zeros_like(var.initial_value), value, name=name)

    with var.graph.as_default():
        return Variable(initial_value, trainable=False, name=f"{var.op.name}/{op_name}",
                        validate_shape=shape.is_fully_defined())


def _is_eager_variable(var) -> bool:
    return hasattr(var, "_handle")


def _variables_graph(graph):
    """Where the variables used in `graph` live: a traced function's are the eager context's."""
    if getattr(graph, "_building_function", False) and graph.outer_graph is not None:
        return graph.outer_graph
    return graph


def _as_variable(value):
    """The Variable behind `value` (a Variable, or the output of its `VariableV2` op)."""
    if isinstance(value, Variable):
        return value
    variable = getattr(getattr(value, "op", None), "_variable", None)
    if variable is None:
        raise TypeError(f"Argument is not a tenseur Variable: {value!r}; optimizers update "
                        f"Variables (tenseur.Variable or tenseur.get_variable).")
    return variable


def _flatten(values) -> list:
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in _flatten(item)]
    if isinstance(values, dict):
        return [v for item in values.values() for v in _flatten(item)]
    return [values]
