"""`TrainingMixin`: compile / fit / evaluate / predict for `Model`, in graph and eager mode.

The mixin only relies on what `Model` provides: `inputs`, `outputs` (symbolic tensors in the
model's graph), `trainable_weights`, `updates`, `losses`, and `keras.backend.get_session()`.

`compile` records the optimizer, losses and metrics. The first `fit` (or `evaluate`,
`train_on_batch`...) builds, once, the graph of a step for the targets' layout (`StepGraph`):
target and sample-weight placeholders, the total loss (weighted per-output losses plus the
model's regularization losses), each metric's batch statistics and, when training, the
gradients of the loss for the trainable weights and the optimizer's update, grouped with the
model's own updates (BatchNormalization's moving averages). Every batch is then one
`Session.run` of that graph, which the session executes from its cached plan. The running
means shown in the progress bar and returned in the logs are kept in Python, weighted by batch
size, so `evaluate` gives the metrics of the whole data, not a mean of batch means.

A model built in eager mode (its weights are eager Variables) trains eagerly instead: each
batch is one `EagerStep` — the model called on the batch under a GradientTape, the same
losses and metric statistics, then `optimizer.apply_gradients` — traced once per batch shape
into a `tenseur.function`, or run op by op with `compile(run_eagerly=True)` for debugging.

Example:
    >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=5e-2),
    ...               loss="categorical_crossentropy", metrics=["accuracy"])
    >>> history = model.fit(x_train, y_train, batch_size=128, epochs=10, validation_split=0.1)
    >>> loss, accuracy = model.evaluate(x_test, y_test)
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np

import tenseur as tf

from .. import backend
from . import data_adapter
from .compile_utils import (
    CompiledOutput,
    EagerStep,
    LogsTracker,
    StepGraph,
    attach_metrics,
    per_output,
)

_COMPILE_KEYWORDS_IGNORED = {"sample_weight_mode": None, "target_tensors": None,
                             "steps_per_execution": 1, "jit_compile": "auto",
                             "auto_scale_loss": True, "distribute": None}


class TrainingMixin:
    """compile, fit, evaluate, predict, and the *_on_batch methods of `Model`."""

    def _init_training(self) -> None:
        self.optimizer = None
        self.compiled_loss = None
        self.loss = None
        self._is_compiled = False
        self.stop_training = False
        self.history = None
        self._compile_config = None
        self._compiled_outputs = None
        self._step_graphs: dict = {}      # (target specs, weighted outputs) -> StepGraph
        self._step_graph_of: dict = {}    # the per-batch key of _step_graph -> StepGraph
        self._eager_steps: dict = {}
        self._predict_function = None
        self._on_batch_tracker = None
        self.run_eagerly = False

    # -- compile ---------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, **kwargs):
        """Configures the model for training.

        Args:
            optimizer: name ("sgd", "adam", "rmsprop"...) or `keras.optimizers` instance (or a
                TF 1.x `tenseur.train` optimizer).
            loss: name, function `f(y_true, y_pred)` or `keras.losses.Loss`; for several
                outputs, one for all, a list in output order, or a dict keyed by output name.
            metrics: list of metrics (names like "accuracy"/"acc", "mae", "auc", functions,
                `keras.metrics` objects); per output as a list of lists or a dict.
            loss_weights: list or dict of scalars weighting each output's loss.
            weighted_metrics: metrics that take sample_weight / class_weight into account.
            run_eagerly: for a model built in eager mode, run fit/evaluate/predict op by op
                (for debugging: Python breakpoints and prints inside `call` see values);
                by default its steps are `tenseur.function`s. Graph-mode models always run
                their steps as a graph (True is then an error).
        Raises:
            ValueError: an unknown optimizer, loss or metric name, or a loss/metric structure
                that does not match the model's outputs.
        """
        from .. import optimizers
        for key, value in kwargs.items():
            if key not in _COMPILE_KEYWORDS_IGNORED:
                raise TypeError(f"compile() got an unexpected keyword argument {key!r}.")
            if value != _COMPILE_KEYWORDS_IGNORED[key]:
                raise NotImplementedError(f"compile(): {key}={value!r} is not supported.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = self.compiled_loss = loss
        self.run_eagerly = bool(run_eagerly)
        # What saving reads back (keras.saving.compile_state): the arguments as given.
        self._compile_config = {"optimizer": self.optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights,
                                "weighted_metrics": weighted_metrics}
        self._compiled_outputs = None
        self._step_graphs = {}
        self._step_graph_of = {}
        self._eager_steps = {}
        self._predict_function = None
        self._on_batch_tracker = None
        self._is_compiled = True
        self._check_run_eagerly()
        from .. import losses as losses_module
        for leaf in _leaves(loss):
            if leaf is not None:
                losses_module.get(leaf)
        if self.outputs is not None:
            self._get_compiled_outputs()

    def _get_compiled_outputs(self) -> list:
        if self._compiled_outputs is None:
            config = self._compile_config
            names = self._output_names()
            losses = per_output(config["loss"], names, "loss")
            weights = (per_output(config["loss_weights"], names, "loss_weights")
                       if config["loss_weights"] is not None else [None] * len(names))
            outputs = [CompiledOutput(name, tensor, loss, weight)
                       for name, tensor, loss, weight in zip(names, self.outputs, losses, weights)]
            attach_metrics(outputs, config["metrics"], config["weighted_metrics"])
            self._compiled_outputs = outputs
        return self._compiled_outputs

    def _output_names(self) -> list:
        names = []
        for index, tensor in enumerate(self.outputs):
            history = getattr(tensor, "_keras_history", None)
            name = history[0].name if history is not None else f"output_{index + 1}"
            names.append(name if name not in names else f"{name}_{index + 1}")
        return names

    @property
    def output_names(self) -> list:
        return self._output_names() if self.outputs is not None else []

    def _input_names(self) -> list:
        names = []
        for index, tensor in enumerate(self.inputs):
            history = getattr(tensor, "_keras_history", None)
            names.append(history[0].name if history is not None else f"input_{index + 1}")
        return names

    @property
    def input_names(self) -> list:
        return self._input_names() if self.inputs is not None else []

    @property
    def metrics_names(self) -> list:
        """["loss", per-output losses..., metric names...] in log order."""
        if not self._is_compiled or self.outputs is None:
            return []
        outputs = self._get_compiled_outputs()
        names = ["loss"]
        if len(outputs) > 1:
            names += [f"{o.name}_loss" for o in outputs if o.loss is not None]
        for output in outputs:
            names += [n for n, _ in output.metrics] + [n for n, _ in output.weighted_metrics]
        return names

    @property
    def metrics(self) -> list:
        """The compiled `Metric` objects, in log order."""
        if not self._is_compiled or self.outputs is None:
            return []
        return [m for o in self._get_compiled_outputs()
                for _, m in o.metrics + o.weighted_metrics]

    def _metric_direction(self, name):
        """"up"/"down" for a logged metric name (what EarlyStopping's mode="auto" needs)."""
        from .. import metrics as metrics_module
        if not self._is_compiled or self.outputs is None:
            return None
        for output in self._get_compiled_outputs():
            for metric_name, metric in output.metrics + output.weighted_metrics:
                if metric_name == name:
                    return metrics_module.direction_of(metric)
        return None

    def _require_compiled(self, method: str) -> None:
        if not self._is_compiled:
            raise RuntimeError(f"You must call compile() before {method}(): e.g. "
                               f"model.compile(optimizer='sgd', loss='categorical_crossentropy',"
                               f" metrics=['accuracy']).")

    # -- data ------------------------------------------------------------------------------

    def _ensure_inputs(self, x) -> None:
        """Builds a model that has no inputs yet (Sequential without an input shape,
        subclassed model) from the first data it sees."""
        if self.inputs is not None:
            return
        if isinstance(x, dict):
            arrays = [x[key] for key in sorted(x)]
        elif isinstance(x, (list, tuple)) and x and all(isinstance(a, np.ndarray) for a in x):
            arrays = list(x)
        else:
            arrays = [x]
        shapes = [(None,) + np.shape(a)[1:] for a in arrays]
        if hasattr(self, "_ensure_built_for"):
            self._ensure_built_for(arrays[0])
        else:
            self.build(shapes if len(shapes) > 1 else shapes[0])
        if self._is_compiled:
            self._compiled_outputs = None

    def _prepare(self, x, y=None, sample_weight=None, class_weight=None, need_targets=True):
        """(inputs, targets, sample weights) as lists of arrays in model order, checked."""
        if x is None:
            raise ValueError(f"Model '{self.name}': no input data; pass `x` (an array, a list or "
                             f"dict of arrays, a generator or a keras.utils.Sequence).")
        self._ensure_inputs(x)
        xs = data_adapter.to_list(x, self._input_names(), "input", self.name)
        xs = data_adapter.as_arrays(xs, [t.dtype.as_numpy_dtype for t in self.inputs])
        outputs = self._get_compiled_outputs() if self._is_compiled else []
        names = [o.name for o in outputs]
        if y is None:
            if need_targets and any(o.loss is not None for o in outputs):
                raise ValueError(f"Target data is missing. Model '{self.name}' has a `loss` "
                                 f"({', '.join(o.loss_name for o in outputs)}) and therefore "
                                 f"expects target data `y`.")
            ys = [None] * len(outputs)
        else:
            ys = data_adapter.to_list(y, names, "target", self.name, allow_none=True)
            ys = [None if v is None else o.prepare_target(v) for o, v in zip(outputs, ys)]
        weights = data_adapter.to_list(sample_weight, names, "sample_weight", self.name,
                                       allow_none=True)
        weights = [None if w is None else _sample_weight_array(w, name)
                   for w, name in zip(weights, names)]
        if class_weight is not None:
            if len(outputs) != 1:
                raise ValueError("`class_weight` is only supported for Models with a single "
                                 "output; use `sample_weight` for each output instead.")
            if ys[0] is not None:
                from_classes = data_adapter.class_weights_to_sample_weights(
                    class_weight, ys[0], sparse=outputs[0].kind == "sparse")
                weights[0] = from_classes if weights[0] is None else weights[0] * from_classes
        data_adapter.check_cardinality(xs, ys, weights)
        return xs, ys, weights

    def _batches(self, x, y, sample_weight, class_weight, batch_size, steps, shuffle,
                 need_targets=True, resume=True):
        """A batch source for arrays, a Sequence or a generator."""
        if data_adapter.is_sequence(x) or data_adapter.is_generator(x):
            if y is not None or sample_weight is not None:
                raise ValueError("`y` and `sample_weight` arguments are not supported when "
                                 "using a generator or a keras.utils.Sequence as input: yield "
                                 "(x, y) or (x, y, sample_weight) batches instead.")

            def convert(item):
                bx, by, bw = data_adapter.unpack_batch(item)
                return self._prepare(bx, by, bw, class_weight, need_targets)

            if data_adapter.is_sequence(x):
                if self.inputs is None and len(x):
                    self._ensure_inputs(data_adapter.unpack_batch(x[0])[0])
                return data_adapter.SequenceBatches(x, convert, shuffle=bool(shuffle),
                                                    steps=steps)
            if self.inputs is None:
                first = next(x)
                self._ensure_inputs(data_adapter.unpack_batch(first)[0])
                x = itertools.chain([first], x)
            return data_adapter.GeneratorBatches(x, convert, steps=steps)
        xs, ys, weights = self._prepare(x, y, sample_weight, class_weight, need_targets)
        return data_adapter.ArrayBatches(xs, ys, weights, batch_size or 32, shuffle=shuffle,
                                         steps=steps, resume=resume)

    # -- steps -----------------------------------------------------------------------------

    def _step_graph(self, ys, weights) -> StepGraph:
        """The step graph for these prepared targets and sample weights: one per layout of
        the targets (dtype, shape) and per choice of weighted outputs. Outputs given no
        sample weights get no weight placeholder, so their loss is a plain mean (as Keras
        computes it) instead of a product with fed ones."""
        # A per-batch lookup on what determines the graph, before the target specs.
        key = tuple(None if y is None else (y.dtype, y.shape[1:], w is not None)
                    for y, w in zip(ys, weights))
        graph = self._step_graph_of.get(key)
        if graph is None:
            outputs = self._get_compiled_outputs()
            specs = tuple(None if y is None else o.target_spec(y) for o, y in zip(outputs, ys))
            weighted = tuple(w is not None for w in weights)
            graph = self._step_graphs.get((specs, weighted))
            if graph is None:
                graph = StepGraph(self, outputs, specs, weighted)
                self._step_graphs[(specs, weighted)] = graph
            self._step_graph_of[key] = graph
        return graph

    def _eager_step(self, ys) -> EagerStep:
        key = tuple(y is not None for y in ys)
        step = self._eager_steps.get(key)
        if step is None:
            step = EagerStep(self, self._get_compiled_outputs(), key, self.run_eagerly)
            self._eager_steps[key] = step
        return step

    def _built_eagerly(self) -> bool:
        """Whether the model was built in eager mode (its weights are eager Variables and its
        Keras tensors live in the backend's symbolic graph): its steps then run eagerly."""
        return self.inputs is not None and backend.is_symbolic_graph(self.inputs[0].graph)

    def _check_run_eagerly(self) -> None:
        if self.run_eagerly and not (self._built_eagerly() if self.inputs is not None
                                     else backend.eager_context()):
            raise ValueError(f"Model '{self.name}': run_eagerly=True needs a model built in "
                             f"eager mode (inside `with tenseur.eager_mode():` or after "
                             f"tenseur.enable_eager_execution()); this one is built in graph "
                             f"mode, where its steps run as a graph. Build and compile it in "
                             f"eager mode, or leave run_eagerly unset.")

    def _session(self):
        with self.outputs[0].graph.as_default():
            return backend.get_session()

    def _run_step(self, xs, ys, weights, training, cache):
        """Runs one batch's step (graph mode: one Session.run of the step graph; a model
        built eagerly: its EagerStep); returns (step, losses, metric statistics). `cache`
        keeps the graph step's fetches and session between batches."""
        if self._built_eagerly():
            step = self._eager_step(ys)
            return (step, *step.run(xs, ys, weights, training))
        self._check_run_eagerly()
        graph = self._step_graph(ys, weights)
        if cache.get("graph") is not graph:
            cache["graph"] = graph
            cache["fetches"] = ([graph.train_op] if training else []) + graph.test_fetches
            cache["session"] = self._session()
        values = cache["session"].run(cache["fetches"], graph.feed(xs, ys, weights, training))
        return (graph, *graph.split(values[1:] if training else values))

    def _run_batches(self, batches, training, tracker_holder, callbacks, hook):
        """Runs every batch of one epoch (or one evaluation); returns the last logs."""
        begin = getattr(callbacks, f"on_{hook}_batch_begin")
        end = getattr(callbacks, f"on_{hook}_batch_end")
        cache: dict = {}
        logs = {}
        for step, (xs, ys, weights) in enumerate(batches.epoch()):
            begin(step, {})
            step_runner, losses, metric_values = self._run_step(xs, ys, weights, training,
                                                                cache)
            if tracker_holder[0] is None:
                tracker_holder[0] = LogsTracker(step_runner)
            tracker = tracker_holder[0]
            tracker.merge(losses, metric_values, len(xs[0]))
            logs = tracker.logs()
            end(step, logs)
            if training and self.stop_training:
                break
        return logs

    # -- fit -------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains the model for a fixed number of epochs.

        Args:
            x: input data: an array, a list/dict of arrays (several inputs), a
                `keras.utils.Sequence` or a generator of `(x, y[, sample_weight])` batches.
            y: targets (arrays, list/dict for several outputs); None with a generator.
            batch_size: samples per step (default 32; not used with generators).
            epochs: index of the last epoch (training runs from `initial_epoch`).
            verbose: "auto" or 1 (progress bar), 2 (one line per epoch), 0 (silent).
            callbacks: list of `keras.callbacks.Callback`.
            validation_split: fraction of the arrays (the LAST samples, before shuffling)
                held out for validation.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`, or a
                Sequence/generator (with `validation_steps`).
            shuffle: shuffle the training samples before each epoch (True, False, "batch").
            class_weight: {class index: weight} for a single-output model.
            sample_weight: per-sample weights (an array, or list/dict per output).
            initial_epoch: the epoch to start from (to resume a run).
            steps_per_epoch: batches per epoch (default: the whole data; generators: until
                exhausted). validation_steps: batches per validation.
            validation_batch_size: default `batch_size`.
            validation_freq: validate every n epochs (int) or at the listed epochs (1-based).
        Returns:
            A `History` whose `history` maps "loss", metrics and "val_*" to per-epoch lists.
        Raises:
            RuntimeError: the model is not compiled.
            ValueError: inconsistent data (see the message for the fix).
        """
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}.")
        self._require_compiled("fit")
        from .. import callbacks as callbacks_module
        verbose = 1 if verbose == "auto" else verbose
        if validation_split and validation_data is None:
            if data_adapter.is_generator(x) or data_adapter.is_sequence(x):
                raise ValueError("`validation_split` is only supported for NumPy arrays, not "
                                 "for generators or Sequences; pass `validation_data`.")
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
            xs, ys, weights = self._prepare(x, y, sample_weight)
            # class_weight weighs the training part only (the validation loss is the one
            # evaluate() would give, as Keras).
            train_weights = weights if class_weight is None else \
                self._prepare(x, y, sample_weight, class_weight)[2]
            split = int(data_adapter.check_cardinality(xs, ys, weights) * (1.0 - validation_split))
            cut = _splitter(split)
            train = data_adapter.ArrayBatches(*(cut(part, 0) for part in (xs, ys, train_weights)),
                                              batch_size or 32, shuffle=shuffle,
                                              steps=steps_per_epoch)
            validation = data_adapter.ArrayBatches(
                *(cut(part, 1) for part in (xs, ys, weights)),
                validation_batch_size or batch_size or 32, steps=validation_steps, resume=False)
        else:
            train = self._batches(x, y, sample_weight, class_weight, batch_size,
                                  steps_per_epoch, shuffle)
            validation = self._validation_batches(validation_data, validation_batch_size
                                                  or batch_size, validation_steps)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
            epochs=epochs, steps=train.steps)
        self.stop_training = False
        train_tracker, validation_tracker = [None], [None]
        callback_list.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            if train_tracker[0] is not None:
                train_tracker[0].reset()
            callback_list.on_epoch_begin(epoch)
            logs = self._run_batches(train, True, train_tracker, callback_list, "train")
            epoch_logs = dict(logs)
            if getattr(train, "exhausted", False) and not logs:
                break
            if validation is not None and _should_validate(epoch, validation_freq):
                if validation_tracker[0] is not None:
                    validation_tracker[0].reset()
                callback_list.on_test_begin()
                val_logs = self._run_batches(validation, False, validation_tracker,
                                             callback_list, "test")
                callback_list.on_test_end(val_logs)
                validation.on_epoch_end()
                epoch_logs.update({"val_" + name: value for name, value in val_logs.items()})
            train.on_epoch_end()
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs)
        return callback_list._history

    def _validation_batches(self, validation_data, batch_size, steps):
        if validation_data is None:
            return None
        if data_adapter.is_sequence(validation_data) or data_adapter.is_generator(validation_data):
            if data_adapter.is_generator(validation_data) and steps is None:
                raise ValueError("When passing a generator as `validation_data`, also pass "
                                 "`validation_steps` (the number of batches to draw).")
            return self._batches(validation_data, None, None, None, None, steps, False)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(f"`validation_data` should be a tuple `(x_val, y_val)` or `(x_val, "
                             f"y_val, val_sample_weights)`, got "
                             f"{type(validation_data).__name__}.")
        x_val, y_val, w_val = (list(validation_data) + [None])[:3]
        return self._batches(x_val, y_val, w_val, None, batch_size, steps, False, resume=False)

    # -- evaluate --------------------------------------------------------------------------

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics of the model on the data (in inference mode).

        Returns:
            The loss (a float) when the model has no metric and one output; else the list
            `[loss, *metrics]` in `metrics_names` order; a dict with `return_dict=True`.
        Raises:
            RuntimeError: the model is not compiled.
        """
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}.")
        self._require_compiled("evaluate")
        from .. import callbacks as callbacks_module
        verbose = 1 if verbose == "auto" else verbose
        batches = self._batches(x, y, sample_weight, None, batch_size, steps, False)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=batches.steps)
        callback_list.on_test_begin()
        logs = self._run_batches(batches, False, [None], callback_list, "test")
        callback_list.on_test_end(logs)
        return _results(logs, return_dict)

    # -- predict ---------------------------------------------------------------------------

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Runs the model on `x` in batches (default 32) and concatenates the outputs.

        Args:
            x: an array, a list/dict of arrays, a Sequence or a generator of input batches
                (`x` or `(x, ...)` items).
            verbose: 0 (silent, as Keras 2), 1 for a progress bar.
            steps: number of batches to draw (generators; default: until exhausted).
        Returns:
            An array, or a list of arrays for a model with several outputs.
        """
        from .. import callbacks as callbacks_module
        verbose = 1 if verbose == "auto" else verbose
        if data_adapter.is_sequence(x) or data_adapter.is_generator(x):
            source = x if data_adapter.is_generator(x) else iter(
                x[i] for i in range(min(len(x), steps) if steps else len(x)))
            batches = (data_adapter.unpack_batch(item)[0] for item in source)
            if steps is not None:
                batches = itertools.islice(batches, steps)
            count = steps if steps is not None else (len(x) if data_adapter.is_sequence(x)
                                                     else None)
        else:
            if self.inputs is None:
                self._ensure_inputs(x)
            xs = data_adapter.to_list(x, self._input_names(), "input", self.name)
            xs = [np.asarray(a) for a in xs]
            data_adapter.check_cardinality(xs, [], [])
            size = batch_size or 32
            count = -(-len(xs[0]) // size) if xs and len(xs[0]) else 0
            batches = ([a[start:start + size] for a in xs]
                       for start in range(0, len(xs[0]) if xs else 0, size))
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=count)
        callback_list.on_predict_begin()
        chunks, run = [], None
        for step, batch in enumerate(batches):
            if self.inputs is None:
                self._ensure_inputs(batch)
            if run is None:
                if self.inputs is None:
                    raise ValueError(f"Model '{self.name}' has no inputs yet: call it on data "
                                     f"or build it.")
                run = self._predict_runner()
            callback_list.on_predict_batch_begin(step)
            inputs = batch if isinstance(batch, list) else data_adapter.to_list(
                batch, self._input_names(), "input", self.name)
            chunks.append(run(inputs))
            last = chunks[-1]
            callback_list.on_predict_batch_end(
                step, {"outputs": last[0] if isinstance(last, list) and len(last) == 1
                       else last})
        callback_list.on_predict_end()
        if self.outputs is None:
            raise ValueError(f"Model '{self.name}' has no inputs yet: call it on data or build "
                             f"it.")
        if not chunks:
            outs = [np.zeros((0,) + tuple(d or 0 for d in backend.int_shape(t)[1:]),
                             dtype=t.dtype.as_numpy_dtype) for t in self.outputs]
        else:
            outs = [np.concatenate([c[i] for c in chunks]) for i in range(len(self.outputs))]
        return outs[0] if len(outs) == 1 else outs

    # -- Keras 2 generator methods ---------------------------------------------------------

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's name for `fit` on a generator or Sequence (deprecated)."""
        _warn_renamed("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's name for `evaluate` on a generator or Sequence (deprecated)."""
        _warn_renamed("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's name for `predict` on a generator or Sequence (deprecated)."""
        _warn_renamed("predict_generator", "predict")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    # -- single batches --------------------------------------------------------------------

    def _on_batch(self, x, y, sample_weight, class_weight, training, reset_metrics,
                  return_dict):
        xs, ys, weights = self._prepare(x, y, sample_weight, class_weight)
        step, losses, metric_values = self._run_step(xs, ys, weights, training, {})
        if reset_metrics or self._on_batch_tracker is None:
            self._on_batch_tracker = LogsTracker(step)
        self._on_batch_tracker.merge(losses, metric_values, len(xs[0]))
        return _results(self._on_batch_tracker.logs(), return_dict)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """Runs one training step on one batch; returns its loss (and metrics)."""
        self._require_compiled("train_on_batch")
        return self._on_batch(x, y, sample_weight, class_weight, True, reset_metrics,
                              return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        self._require_compiled("test_on_batch")
        return self._on_batch(x, y, sample_weight, None, False, reset_metrics, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on one batch."""
        if self.inputs is None:
            self._ensure_inputs(x)
        xs = data_adapter.to_list(x, self._input_names(), "input", self.name)
        outs = self._predict_runner()([np.asarray(a) for a in xs])
        return outs[0] if len(outs) == 1 else outs

    def _predict_runner(self):
        """`run(input arrays)` -> output arrays: a Session.run of the outputs (graph mode), or
        for a model built eagerly the model called with training=False (op by op with
        run_eagerly=True, otherwise a traced `tenseur.function`)."""
        if not self._built_eagerly():
            self._check_run_eagerly()
            session = self._session()
            return lambda inputs: session.run(
                self.outputs, {t: a for t, a in zip(self.inputs, inputs)})
        if self._predict_function is None:
            def predict_step(inputs):
                outputs = self(inputs[0] if len(inputs) == 1 else list(inputs), training=False)
                return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._predict_function = (predict_step if self.run_eagerly
                                      else tf.function(predict_step))
        predict_function = self._predict_function

        def run(inputs):
            dtypes = [t.dtype.as_numpy_dtype for t in self.inputs]
            with tf.eager_mode():
                outputs = predict_function(data_adapter.as_arrays(inputs, dtypes))
                return [np.asarray(o.numpy()) for o in outputs]
        return run


# -- helpers -------------------------------------------------------------------------------

def _warn_renamed(old, new):
    warnings.warn(f"`Model.{old}` is deprecated and will be removed in a future version. Please "
                  f"use `Model.{new}`, which supports generators.", DeprecationWarning,
                  stacklevel=3)


def _leaves(structure):
    if isinstance(structure, dict):
        return list(structure.values())
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]


def _sample_weight_array(weights, name):
    array = np.asarray(weights, dtype=np.float32)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"sample_weight for output '{name}' must have shape (samples,), got "
                         f"{array.shape}.")
    return array


def _splitter(split):
    """`cut(arrays, part)`: part 0 is arrays[:split], part 1 arrays[split:] (None kept)."""
    def cut(arrays, part):
        pick = slice(None, split) if part == 0 else slice(split, None)
        return [None if a is None else a[pick] for a in arrays]
    return cut


def _should_validate(epoch, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _results(logs, return_dict):
    if return_dict:
        return dict(logs)
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


__all__ = ["TrainingMixin"]
