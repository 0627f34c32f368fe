"""What `compile` fixes, per model output: its loss, loss weight and metrics, the layout its
targets must have, and one step of `fit`/`evaluate`: a graph (`StepGraph`) in graph mode, an
`EagerStep` for a model built in eager mode; both compute the same losses and metrics.

Losses and metrics are given the Keras ways: one for every output, a list in output order, or
a dict keyed by output name. "accuracy"/"acc" (and "crossentropy"/"ce") become the binary,
categorical or sparse categorical variant that fits the output's loss, as in Keras.
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend
from .. import losses as losses_module
from .. import metrics as metrics_module

_SPARSE_LOSSES = {losses_module.sparse_categorical_crossentropy}
_CATEGORICAL_LOSSES = {losses_module.categorical_crossentropy, losses_module.categorical_hinge}
_BINARY_LOSSES = {losses_module.binary_crossentropy}


def _loss_function(loss):
    """The built-in function behind a loss (name, function or Loss object), or None."""
    if isinstance(loss, losses_module.LossFunctionWrapper):
        return loss.fn
    if isinstance(loss, losses_module.Loss):
        return None
    return loss


def _loss_name(loss) -> str:
    if isinstance(loss, losses_module.Loss):
        return loss.name
    return getattr(loss, "__name__", type(loss).__name__)


def per_output(value, output_names, what, allow_nested=True) -> list:
    """`value` spread over the outputs: the same for all, a list in order, or a dict by name.

    Raises:
        ValueError: a list of the wrong length, or a dict with unknown output names.
    """
    count = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"the following keys: {list(output_names)}.")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and allow_nested:
        if len(value) != count:
            raise ValueError(f"When passing a list as `{what}`, it should have one entry per "
                             f"model output. The model has {count} output(s), but you passed "
                             f"{what}={value!r}.")
        return list(value)
    return [value] * count


class CompiledOutput:
    """One model output with its loss, loss weight, metrics and target layout.

    Attributes:
        name: the output's name (its layer's name); tensor: the output tensor.
        loss: the loss as given (function or Loss), or None; weight: its loss weight.
        kind: "sparse" (integer labels), "categorical" (one-hot), "elementwise" (targets shaped
            like the output) or "custom" (a user function: targets passed as given).
        metrics, weighted_metrics: lists of (log name, Metric).
    """

    def __init__(self, name, tensor, loss, weight):
        self.name, self.tensor = name, tensor
        self.loss = losses_module.get(loss) if loss is not None else None
        self.weight = 1.0 if weight is None else float(weight)
        fn = _loss_function(self.loss)
        if self.loss is None:
            self.kind = "elementwise"
        elif fn in _SPARSE_LOSSES:
            self.kind = "sparse"
        elif fn in _CATEGORICAL_LOSSES:
            self.kind = "categorical"
        elif fn is not None and fn in vars(losses_module).values():
            self.kind = "elementwise"
        else:
            self.kind = "custom"
        self.metrics: list = []
        self.weighted_metrics: list = []

    @property
    def shape(self):
        return backend.int_shape(self.tensor)

    @property
    def loss_name(self) -> str:
        return _loss_name(self.loss) if self.loss is not None else "None"

    # -- targets ---------------------------------------------------------------------------

    def prepare_target(self, y):
        """`y` as the array fed to this output's target placeholder, checking its layout.

        Raises:
            ValueError: labels that do not fit the loss (integer labels with
                categorical_crossentropy, one-hot labels with the sparse loss) or a shape that
                does not match the output; the message names both shapes and the fix.
        """
        y = np.asarray(y)
        out_shape = self.shape
        if self.kind == "custom" or out_shape is None:
            return y.astype(backend.floatx()) if y.dtype.kind in "biuf" else y
        width = out_shape[-1]
        where = f"output '{self.name}' (shape {out_shape}, loss '{self.loss_name}')"
        if self.kind == "sparse":
            wanted = (len(y),) + tuple(out_shape[1:-1])
            if y.shape == wanted + (1,):
                y = y.reshape(wanted)
            if y.shape != wanted and _same_dims(y.shape, (len(y),) + tuple(out_shape[1:])) \
                    and width and width > 1:
                raise ValueError(
                    f"Targets for {where} look one-hot encoded: shape {y.shape}, while "
                    f"sparse_categorical_crossentropy expects integer class labels of shape "
                    f"{wanted} or {wanted + (1,)}. Use loss='categorical_crossentropy' for "
                    f"one-hot targets, or pass y.argmax(axis=-1).")
            if not _same_dims(y.shape, wanted):
                raise ValueError(f"Targets for {where} have shape {y.shape}, but "
                                 f"sparse_categorical_crossentropy expects integer class "
                                 f"labels of shape {wanted} (or {wanted + (1,)}).")
            if y.dtype.kind == "f" and not np.all(y == np.round(y)):
                raise ValueError(f"Targets for {where} must be integer class labels, got "
                                 f"non-integer values.")
            return y.astype(np.int32) if y.dtype != np.int32 else y
        expected = (len(y),) + tuple(out_shape[1:])
        if len(out_shape) == 2 and y.ndim == 1 and width == 1:
            y = y.reshape(-1, 1)       # binary labels (n,) for a (None, 1) output, as Keras
        if self.kind == "categorical" and width and width > 1 and _integer_labels(y, out_shape):
            raise ValueError(
                f"Targets for {where} are integer class labels of shape {y.shape}, but "
                f"{self.loss_name} expects one-hot targets of shape {expected}. Use "
                f"loss='sparse_categorical_crossentropy' with integer labels, or one-hot encode "
                f"them with keras.utils.to_categorical(y, num_classes={width}).")
        if not _same_dims(y.shape, expected):
            hint = ""
            if self.kind == "elementwise" and width and width > 1 and \
                    _integer_labels(y, out_shape):
                hint = (f" These look like integer class labels: one-hot encode them with "
                        f"keras.utils.to_categorical(y, num_classes={width}), or use "
                        f"loss='sparse_categorical_crossentropy'.")
            raise ValueError(f"Targets for {where} have shape {y.shape}, which does not match "
                             f"the output shape {out_shape} (expected {expected}).{hint}")
        return y.astype(backend.floatx()) if y.dtype != np.dtype(backend.floatx()) else y

    def target_spec(self, y):
        """(dtype, shape) of the target placeholder for prepared targets `y`."""
        if self.kind == "sparse":
            return tf.int32, (None,) + tuple(self.shape[1:-1])
        dtype = tf.as_dtype(y.dtype.name) if y.dtype.kind in "biuf" else tf.float32
        if self.kind == "custom" or self.shape is None:
            return dtype, (None,) + tuple(y.shape[1:])
        return dtype, (None,) + tuple(self.shape[1:])


def _same_dims(shape, expected) -> bool:
    return len(shape) == len(expected) and all(
        e is None or s == e for s, e in zip(shape, expected))


def _integer_labels(y, out_shape) -> bool:
    """Whether `y` holds class indices for an output with a class axis (not one-hot)."""
    rank = len(out_shape)
    if y.ndim == rank - 1 or (y.ndim == rank and y.shape[-1] == 1):
        if y.dtype.kind in "iub":
            return True
        if y.dtype.kind == "f" and y.size and np.all(y == np.round(y)) and y.max() > 1:
            return True
    return False


# -- metrics -------------------------------------------------------------------------------

def _resolve_accuracy(output, name):
    fn = _loss_function(output.loss)
    binary = fn in _BINARY_LOSSES or (output.shape is not None and output.shape[-1] == 1)
    if name in ("accuracy", "acc"):
        if binary:
            return metrics_module.BinaryAccuracy(name=name)
        if output.kind == "sparse":
            return metrics_module.SparseCategoricalAccuracy(name=name)
        return metrics_module.CategoricalAccuracy(name=name)
    if binary:
        return metrics_module.BinaryCrossentropy(name=name)
    if output.kind == "sparse":
        return metrics_module.SparseCategoricalCrossentropy(name=name)
    return metrics_module.CategoricalCrossentropy(name=name)


def make_metric(output, identifier, copy=False):
    """A `Metric` for `identifier` (name, function, Metric object or class) on `output`."""
    if isinstance(identifier, str) and identifier in ("accuracy", "acc", "crossentropy", "ce"):
        return _resolve_accuracy(output, identifier)
    if isinstance(identifier, type) and issubclass(identifier, metrics_module.Metric):
        return identifier()
    if isinstance(identifier, str):
        resolved = metrics_module.get(identifier)
        if isinstance(resolved, metrics_module.Metric):
            # Keras 3: metrics=["AUC"] logs "AUC" (tf.keras 2 logged the object's "auc").
            resolved.name = identifier
            return resolved
        return metrics_module.MeanMetricWrapper(resolved, name=identifier)
    if isinstance(identifier, metrics_module.Metric):
        # One object listed for several outputs: each output gets its own state.
        return type(identifier).from_config(identifier.get_config()) if copy else identifier
    if callable(identifier):
        return metrics_module.MeanMetricWrapper(identifier,
                                                name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}.")


def attach_metrics(outputs, metrics, weighted_metrics):
    """Fills each output's `metrics` and `weighted_metrics` with (log name, Metric)."""
    names = [o.name for o in outputs]
    several = len(outputs) > 1
    used = {"loss"}
    for argument, weighted in ((metrics, False), (weighted_metrics, True)):
        if argument is None:
            continue
        if isinstance(argument, dict):
            spread = per_output(argument, names, "metrics")
        elif isinstance(argument, (list, tuple)) and argument and all(
                isinstance(m, (list, tuple)) for m in argument):
            spread = per_output(list(argument), names, "metrics")
        else:
            spread = [argument] * len(outputs)
        for index, (output, items) in enumerate(zip(outputs, spread)):
            if items is None:
                continue
            items = list(items) if isinstance(items, (list, tuple)) else [items]
            target = output.weighted_metrics if weighted else output.metrics
            for item in items:
                metric = make_metric(output, item, copy=index > 0)
                name = metric.name
                if weighted and any(name == n for n, _ in output.metrics):
                    name = "weighted_" + name
                if several:
                    name = f"{output.name}_{name}"
                if name in used:        # Keras 3: metrics=["auc", AUC()] log auc and auc_1
                    name = next(f"{name}_{k}" for k in range(1, len(used) + 2)
                                if f"{name}_{k}" not in used)
                used.add(name)
                target.append((name, metric))


# -- losses and metric statistics of a step ------------------------------------------------

def step_losses(model, outputs, y_preds, targets, sample_weights):
    """(total loss, per-output losses, their names) of one step, as tenseur ops: the weighted
    losses of the outputs that have a loss and targets, plus the model's regularization
    losses. Per-output losses are listed only for models with several outputs."""
    terms, output_losses, names = [], [], []
    for output, y_pred, y_true, weights in zip(outputs, y_preds, targets, sample_weights):
        if output.loss is None or y_true is None:
            continue
        with tf.name_scope(output.name + "_loss"):
            loss = output.loss
            if isinstance(loss, losses_module.Loss):
                values, reduction = loss.call(y_true, y_pred), loss.reduction
            else:
                values, reduction = loss(y_true, y_pred), "sum_over_batch_size"
            value = losses_module.reduce_loss(values, y_pred, weights, reduction)
            if value.shape.ndims:
                value = tf.reduce_mean(value)
        output_losses.append(value)
        names.append(f"{output.name}_loss")
        terms.append(value if output.weight == 1.0 else value * output.weight)
    regularization = [t for t in model.losses if t is not None]
    if regularization:
        terms.append(tf.add_n([tf.cast(t, backend.floatx()) for t in regularization]))
    if not terms:
        raise ValueError(f"Model '{model.name}' has no loss to optimize: pass `loss` to "
                         f"compile() (e.g. loss='categorical_crossentropy').")
    total = terms[0] if len(terms) == 1 else tf.add_n(terms)
    if len(outputs) == 1:
        return total, [], []
    return total, output_losses, names


def metric_statistics(outputs, y_preds, targets, sample_weights) -> list:
    """(log name, Metric, its batch-statistics tensors) for every metric of the outputs that
    have targets."""
    stats = []
    for output, y_pred, y_true, weights in zip(outputs, y_preds, targets, sample_weights):
        if y_true is None:
            continue
        for group, weighted in ((output.metrics, False), (output.weighted_metrics, True)):
            for name, metric in group:
                with tf.name_scope(name):
                    tensors = metric.batch_statistics(
                        y_true, y_pred, sample_weight=weights if weighted else None)
                stats.append((name, metric, list(tensors)))
    return stats


# -- the graph of one step -----------------------------------------------------------------

class StepGraph:
    """Placeholders, losses and metric statistics for one target layout; the training
    Operation is added on first use (`train_op`), so evaluating creates no optimizer state.

    The fetched values of a step are, in order: the total loss, the loss of each output that
    has one (models with several outputs), then each metric's statistics.
    """

    def __init__(self, model, outputs, target_specs, weighted):
        self.model, self.outputs = model, outputs
        graph = outputs[0].tensor.graph
        self.graph = graph
        with graph.as_default(), graph.name_scope(None):
            self.targets, self.sample_weights = [], []
            for output, spec, has_weights in zip(outputs, target_specs, weighted):
                if spec is None:
                    self.targets.append(None)
                    self.sample_weights.append(None)
                    continue
                dtype, shape = spec
                self.targets.append(tf.placeholder(dtype, shape=list(shape),
                                                   name=f"{output.name}_target"))
                self.sample_weights.append(
                    tf.placeholder(backend.floatx(), shape=[None],
                                   name=f"{output.name}_sample_weights")
                    if has_weights else None)
            self.learning_phase = backend.learning_phase()
            y_preds = [output.tensor for output in outputs]
            with graph.name_scope("loss"):
                self.total_loss, self.output_losses, self.output_loss_names = step_losses(
                    model, outputs, y_preds, self.targets, self.sample_weights)
            with graph.name_scope("metrics"):
                self.metric_stats = metric_statistics(outputs, y_preds, self.targets,
                                                      self.sample_weights)
        self.metrics = [(name, metric) for name, metric, _ in self.metric_stats]
        self.test_fetches = [self.total_loss] + self.output_losses + [
            t for _, _, stats in self.metric_stats for t in stats]
        self._train_op = None

    def split(self, values):
        """(losses, each metric's statistics) from the values of `test_fetches`."""
        count = 1 + len(self.output_loss_names)
        return values[:count], _split(values[count:], [len(t) for _, _, t in self.metric_stats])

    @property
    def train_op(self):
        if self._train_op is None:
            self._train_op = self._make_train_op()
        return self._train_op

    def _make_train_op(self):
        model, graph = self.model, self.graph
        optimizer = model.optimizer
        variables = list(model.trainable_weights)
        with graph.as_default(), graph.name_scope(None), graph.name_scope("training"):
            updates = []
            if variables:
                grads = tf.gradients(self.total_loss, variables)
                if all(g is None for g in grads):
                    raise ValueError(f"Model '{model.name}': no gradient flows from the loss to "
                                     f"any trainable weight "
                                     f"({', '.join(v.name for v in variables)}).")
                updates.append(optimizer.apply_gradients(zip(grads, variables)))
            for update in model.updates:
                if isinstance(update, tuple):
                    variable, value = update
                    update = variable.assign(value)
                updates.append(update)
            return tf.group(*updates, name="train_step")

    def feed(self, xs, ys, sample_weights, training):
        """The feed dict of one batch."""
        feed = {t: x for t, x in zip(self.model.inputs, xs)}
        for target, weight_ph, y, weights in zip(self.targets, self.sample_weights, ys,
                                                 sample_weights):
            if target is None:
                continue
            feed[target] = y
            if weight_ph is not None:
                feed[weight_ph] = weights
        if training:
            feed[self.learning_phase] = True
        return feed


def _split(values, sizes) -> list:
    out, position = [], 0
    for size in sizes:
        out.append(values[position:position + size])
        position += size
    return out


# -- the step of eager mode -----------------------------------------------------------------

class EagerStep:
    """One step of fit/evaluate for a model built in eager mode.

    It computes what `StepGraph` computes — the losses, each metric's batch statistics and,
    when training, the optimizer's update — on the values of one batch: the model is called
    on them (`training=True` under a GradientTape, then `optimizer.apply_gradients` on the
    tape's gradients; BatchNormalization updates its statistics during that call). With
    `run_eagerly=True` the step runs op by op, for debugging; otherwise it is a
    `tenseur.function`, traced once per batch shape and replayed.

    Args:
        model, outputs: the model and its `CompiledOutput`s. has_targets: for each output,
            whether the batches give targets for it. run_eagerly: op by op, or traced.
    """

    def __init__(self, model, outputs, has_targets, run_eagerly):
        self.model, self.outputs = model, outputs
        self.output_loss_names = ([f"{o.name}_loss" for o, has in zip(outputs, has_targets)
                                   if has and o.loss is not None] if len(outputs) > 1 else [])
        self.metrics = [(name, metric) for output, has in zip(outputs, has_targets) if has
                        for group in (output.metrics, output.weighted_metrics)
                        for name, metric in group]
        self._metric_sizes = None
        self._train = self._train_step if run_eagerly else tf.function(self._train_step)
        self._test = self._test_step if run_eagerly else tf.function(self._test_step)

    def run(self, xs, ys, sample_weights, training):
        """Runs the step on one batch; returns (losses, each metric's statistics) as NumPy."""
        weights = [None if y is None else w for y, w in zip(ys, sample_weights)]
        with tf.eager_mode():
            values = (self._train if training else self._test)(list(xs), list(ys), weights)
            values = [np.asarray(v.numpy()) for v in values]
        count = 1 + len(self.output_loss_names)
        return values[:count], _split(values[count:], self._metric_sizes)

    def _forward(self, xs, ys, weights, training):
        y_preds = self.model(xs[0] if len(xs) == 1 else list(xs), training=training)
        y_preds = list(y_preds) if isinstance(y_preds, (list, tuple)) else [y_preds]
        with tf.name_scope("loss"):
            total, output_losses, _ = step_losses(self.model, self.outputs, y_preds, ys,
                                                  weights)
        return y_preds, [total] + output_losses

    def _results(self, y_preds, losses, ys, weights) -> list:
        with tf.name_scope("metrics"):
            stats = metric_statistics(self.outputs, y_preds, ys, weights)
        self._metric_sizes = [len(tensors) for _, _, tensors in stats]
        return losses + [t for _, _, tensors in stats for t in tensors]

    def _train_step(self, xs, ys, weights):
        model = self.model
        variables = model.trainable_weights
        with tf.GradientTape() as tape:
            y_preds, losses = self._forward(xs, ys, weights, True)
        if variables:
            grads = tape.gradient(losses[0], variables)
            if all(g is None for g in grads):
                raise ValueError(f"Model '{model.name}': no gradient flows from the loss to "
                                 f"any trainable weight "
                                 f"({', '.join(v.name for v in variables)}).")
            model.optimizer.apply_gradients(zip(grads, variables))
        return self._results(y_preds, losses, ys, weights)

    def _test_step(self, xs, ys, weights):
        y_preds, losses = self._forward(xs, ys, weights, False)
        return self._results(y_preds, losses, ys, weights)


# -- running values ------------------------------------------------------------------------

class LogsTracker:
    """Running means of the loss(es) and the metrics' states over an epoch or an evaluation.

    `merge(losses, metric_values, batch_size)` takes a step's values (a `StepGraph`'s
    `split` or an `EagerStep`'s `run`); `logs()` returns the dict Keras logs: `loss`,
    per-output losses, then metrics, in compile order.
    """

    def __init__(self, step):
        self.loss_names = ["loss"] + step.output_loss_names
        self.metrics = step.metrics
        self.reset()

    def reset(self):
        self.loss_totals = [0.0] * len(self.loss_names)
        self.count = 0
        for _, metric in self.metrics:
            metric.reset_state()

    def merge(self, losses, metric_values, batch_size):
        for i, value in enumerate(losses):
            self.loss_totals[i] += float(value) * batch_size
        self.count += batch_size
        for (_, metric), values in zip(self.metrics, metric_values):
            metric.merge(values)

    def logs(self) -> dict:
        count = self.count or 1
        out = {name: total / count for name, total in zip(self.loss_names, self.loss_totals)}
        for name, metric in self.metrics:
            out[name] = metric.result()
        return out
