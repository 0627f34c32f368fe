"""tenseur against PyTorch, TensorFlow/Keras and JAX on the slides' workloads, in one run.

Workloads (same architecture, same initial weights drawn once with NumPy, same batch and data
for every framework):
  mlp       784-64-32-16-10 sigmoid/softmax, the slides' loss -sum(y log softmax) averaged,
            SGD lr 0.05, batch 128, truncated-normal(1) weights and zero biases;
  cnn       the slides' CNN (conv 32, conv 32, pool, conv 16, pool, dense 32, 16, 10; ReLU,
            VALID), softmax cross-entropy from the logits, SGD lr 0.05, batch 430,
            Glorot-uniform kernels and zero biases;
  resnet50  ResNet50 forward pass (inference), batch 8, 224x224x3, random weights.
Contenders: tenseur graph mode (Session.run), tenseur eager (GradientTape), tenseur
@function (traced step) and tenseur.keras (train_on_batch of the same Keras model as
TensorFlow's), the MLP step written by hand in NumPy (`numpy`, issue #7's "NumPy by hand":
the floor for a framework on NumPy's kernels), PyTorch eager and torch.compile,
TensorFlow/Keras (train_on_batch), JAX (jit); each one whose package is not importable is
skipped with a note.

Each contender runs in its own worker process (so its peak RSS is its own, and frameworks do
not share thread pools); the workers are kept alive and driven in interleaved rounds, so a
burst of load from other processes hits them all alike. With more than one thread, each turn starts
after a 1 s pause (SETTLE_S), so the previous contender's spinning thread pools are idle. Reported: s/epoch of 55,000 images
extrapolated from the median step, the fastest step's extrapolation, the first step (plan
building, tracing or compilation included), the framework's import time, peak RSS, the test
accuracy after the timed steps (on real MNIST when the files are found, else random data and
"-"), and each rival's time over tenseur graph mode's.

Run: python benchmarks/compare.py [--quick] [--threads 1] [--workloads mlp,cnn,resnet50]
     [--contenders tenseur-graph,torch,...]. `make bench` installs the rivals into .venv-bench.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCH = 55000
MLP_SIZES = (784, 64, 32, 16, 10)
LR = 0.05
BATCH = {"mlp": 128, "cnn": 430, "resnet50": 8}
CONTENDERS = ("tenseur-graph", "tenseur-function", "tenseur-eager", "tenseur-keras", "numpy",
              "torch", "torch-compile", "tf-keras", "jax")
# contender -> workloads it runs (the eager tape is skipped on the CNN's 430-image batches in
# --quick mode by the caller; JAX has no ResNet50 without an extra model library)
# Pause before each contender's turn when frameworks run several threads: thread pools
# (OpenMP, OpenBLAS, Eigen) keep spinning for up to ~0.1-1 s after their work, and on the same
# cores they slow whoever runs next (on the 2 pinned cores of a 16-core Xeon without this pause,
# tenseur's CNN step measured 282 ms in compare.py against 192-207 ms alone).
SETTLE_S = 1.0
SUPPORTS = {"numpy": ("mlp",), "jax": ("mlp", "cnn"), "tenseur-eager": ("mlp", "cnn"),
            "tenseur-function": ("mlp", "cnn"), "tenseur-keras": ("mlp", "cnn")}


# -- shared data and weights ---------------------------------------------------------------------

def load_data(workload, seed=0):
    """(train images, train one-hot labels, test images, test labels, real?) as NumPy arrays."""
    import numpy as np
    if workload == "resnet50":
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 1, (16, 224, 224, 3)).astype(np.float32), None, None, None, False
    sys.path.insert(0, ROOT)
    data_dir = os.environ.get("TENSEUR_DATA_DIR") or os.path.join(ROOT, "..", "shared", "data")
    try:
        from tenseur.data import mnist
        sets = mnist.read_data_sets(os.path.join(data_dir, "mnist"), one_hot=True,
                                    reshape=workload == "mlp", seed=seed)
        n = BATCH[workload] * 8
        return (sets.train.images[:n].astype(np.float32),
                sets.train.labels[:n].astype(np.float32),
                sets.test.images[:2000].astype(np.float32),
                sets.test.labels[:2000].astype(np.float32), True)
    except Exception:      # noqa: BLE001 - no MNIST files: random data of the same shape
        rng = np.random.default_rng(seed)
        shape = (784,) if workload == "mlp" else (28, 28, 1)
        n = BATCH[workload] * 8
        images = rng.uniform(0, 1, (n,) + shape).astype(np.float32)
        labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
        return images, labels, images[:1000], labels[:1000], False


def initial_weights(workload, seed=0):
    """The initial parameters as NumPy arrays (HWIO kernels), shared by every framework."""
    import numpy as np
    rng = np.random.default_rng(seed)
    if workload == "mlp":
        weights = []
        for m, n in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
            w = rng.standard_normal((m, n))
            while np.any(np.abs(w) > 2):             # truncated normal, stddev 1 (the slides)
                bad = np.abs(w) > 2
                w[bad] = rng.standard_normal(bad.sum())
            weights += [w.astype(np.float32), np.zeros(n, np.float32)]
        return weights

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)
    weights = []
    for cin, cout in ((1, 32), (32, 32), (32, 16)):
        weights += [glorot((3, 3, cin, cout), 9 * cin, 9 * cout), np.zeros(cout, np.float32)]
    for m, n in ((400, 32), (32, 16), (16, 10)):
        weights += [glorot((m, n), m, n), np.zeros(n, np.float32)]
    return weights


# -- contenders (run inside a worker) ------------------------------------------------------------

def tenseur_graph(workload, weights, data):
    import tenseur as tf
    graph = tf.Graph()
    with graph.as_default():
        if workload == "resnet50":
            from tenseur import keras
            return keras_contender(keras, workload, weights)
        params = [tf.Variable(w) for w in weights]
        shape = [None, 784] if workload == "mlp" else [None, 28, 28, 1]
        x = tf.placeholder(tf.float32, shape)
        y = tf.placeholder(tf.float32, [None, 10])
        logits = tenseur_logits(tf, workload, params, x)
        loss = tenseur_loss(tf, workload, logits, y)
        train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    return (lambda images, labels: sess.run(train, {x: images, y: labels}),
            lambda images: sess.run(logits, {x: images}))


def tenseur_logits(tf, workload, params, x):
    if workload == "mlp":
        h = x
        for i in range(0, len(params) - 2, 2):
            h = tf.nn.sigmoid(tf.nn.bias_add(tf.matmul(h, params[i]), params[i + 1]))
        return tf.nn.bias_add(tf.matmul(h, params[-2]), params[-1])
    h = x
    for i, pool in ((0, False), (2, True), (4, True)):
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, params[i], [1, 1, 1, 1], "VALID"),
                                      params[i + 1]))
        if pool:
            h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    h = tf.reshape(h, [-1, 400])
    for i in (6, 8):
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(h, params[i]), params[i + 1]))
    return tf.nn.bias_add(tf.matmul(h, params[10]), params[11])


def tenseur_loss(tf, workload, logits, y):
    if workload == "mlp":      # the slides' form: softmax, then -sum(y log p)
        return tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.nn.softmax(logits)), axis=-1))
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))


def tenseur_eager(workload, weights, data, traced):
    import tenseur as tf
    from tenseur import eager
    with eager.eager_mode():
        params = [tf.Variable(w) for w in weights]
    optimizer = tf.train.GradientDescentOptimizer(LR)

    def step(images, labels):
        with eager.GradientTape() as tape:
            loss = tenseur_loss(tf, workload, tenseur_logits(tf, workload, params, images),
                                labels)
        optimizer.apply_gradients(zip(tape.gradient(loss, params), params))
        return loss

    run = eager.function(step) if traced else step

    def train(images, labels):
        with eager.eager_mode():
            run(tf.constant(images), tf.constant(labels))

    def predict(images):
        with eager.eager_mode():
            return tenseur_logits(tf, workload, params, tf.constant(images)).numpy()
    return train, predict


def numpy_contender(workload, weights, data):
    """The MLP step written by hand in NumPy (issue #7's "NumPy by hand" column), as a careful
    person writes it: buffers for the weight gradients, in-place elementwise operations, the
    softmax cross-entropy's gradient as p - y, each weight updated as soon as its gradient is
    known. The floor a framework built on NumPy's kernels can approach."""
    import numpy as np
    ws = [w.copy() for w in weights[0::2]]
    bs = [b.copy() for b in weights[1::2]]
    grads = [np.empty_like(w) for w in ws]

    def forward(x):
        hidden = []
        for w, b in zip(ws[:-1], bs[:-1]):
            a = x @ w
            a += b
            np.negative(a, out=a)
            np.exp(a, out=a)            # overflows to inf for very negative inputs: s = 0
            a += 1
            x = np.reciprocal(a, out=a)
            hidden.append(x)
        z = x @ ws[-1]
        z += bs[-1]
        return hidden, z

    def train(images, labels):
        with np.errstate(over="ignore"):
            hidden, z = forward(images)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z -= labels
        z *= 1.0 / len(images)           # d loss / d logits
        delta = z
        for k in range(len(ws) - 1, -1, -1):
            below = images if k == 0 else hidden[k - 1]
            np.matmul(below.T, delta, out=grads[k])
            bias_grad = delta.sum(axis=0)
            if k:
                back = delta @ ws[k].T
                back *= below
                back *= 1 - below
            grads[k] *= LR
            ws[k] -= grads[k]
            bias_grad *= LR
            bs[k] -= bias_grad
            if k:
                delta = back

    def predict(images):
        with np.errstate(over="ignore"):
            return forward(images)[1]
    return train, predict


def torch_contender(workload, weights, data, compiled):
    import numpy as np
    import torch
    from torch import nn
    torch.manual_seed(0)
    if workload == "resnet50":
        model = torch_resnet50().eval().to(memory_format=torch.channels_last)
        forward = torch.compile(model) if compiled else model

        def infer(images, labels):
            with torch.inference_mode():
                x = torch.from_numpy(images.transpose(0, 3, 1, 2))
                return forward(x.contiguous(memory_format=torch.channels_last))
        return infer, None
    tensors = [torch.tensor(w) for w in weights]
    if workload == "mlp":
        layers = []
        for i in range(0, len(tensors), 2):
            linear = nn.Linear(*tensors[i].shape)
            linear.weight.data, linear.bias.data = tensors[i].T.contiguous(), tensors[i + 1]
            layers += [linear, nn.Sigmoid()]
        model = nn.Sequential(*layers[:-1])

        def loss_fn(logits, y):
            return (-(y * torch.log(torch.softmax(logits, dim=-1))).sum(dim=-1)).mean()
        to_input = torch.from_numpy
        fmt = torch.contiguous_format
    else:
        convs = [nn.Conv2d(1, 32, 3), nn.Conv2d(32, 32, 3), nn.Conv2d(32, 16, 3)]
        denses = [nn.Linear(400, 32), nn.Linear(32, 16), nn.Linear(16, 10)]
        for k, conv in enumerate(convs):
            conv.weight.data = tensors[2 * k].permute(3, 2, 0, 1).contiguous()
            conv.bias.data = tensors[2 * k + 1]
        for k, dense in enumerate(denses):
            # NHWC flattening order, as tenseur's reshape: permute back before flattening
            dense.weight.data = tensors[6 + 2 * k].T.contiguous()
            dense.bias.data = tensors[7 + 2 * k]
        model = nn.Sequential(convs[0], nn.ReLU(), convs[1], nn.ReLU(), nn.MaxPool2d(2, 2),
                              convs[2], nn.ReLU(), nn.MaxPool2d(2, 2), Nhwc(), nn.Flatten(),
                              denses[0], nn.ReLU(), denses[1], nn.ReLU(), denses[2])
        fmt = torch.channels_last
        model = model.to(memory_format=fmt)
        cross_entropy = nn.CrossEntropyLoss()

        def loss_fn(logits, y):
            return cross_entropy(logits, y)

        def to_input(images):
            return torch.from_numpy(images.transpose(0, 3, 1, 2)).contiguous(memory_format=fmt)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    run = torch.compile(step) if compiled else step

    def train(images, labels):
        y = torch.from_numpy(labels) if workload == "mlp" else torch.from_numpy(
            np.argmax(labels, axis=1))
        run(to_input(images), y)

    def predict(images):
        with torch.no_grad():
            return model(to_input(images)).numpy()
    return train, predict


def torch_resnet50():
    """ResNet50 v1.5 as torchvision's (written out here: torchvision builds do not always
    match the installed torch)."""
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width),
                nn.ReLU(), nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                           nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else nn.Identity())
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.body(x) + self.shortcut(x))

    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for k in range(blocks):
            layers.append(Bottleneck(cin, width, stride if k == 0 else 1))
            cin = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000), nn.Softmax(-1)]
    return nn.Sequential(*layers)


class Nhwc:
    """Permutes NCHW activations to NHWC before flattening (so dense weights match tenseur's)."""

    def __new__(cls):
        from torch import nn

        class _Nhwc(nn.Module):
            def forward(self, x):
                return x.permute(0, 2, 3, 1)
        return _Nhwc()


def keras_model(keras, workload, weights):
    """The workload as a compiled Keras functional model (`keras`: tf.keras or tenseur.keras,
    the same code for both), with the shared initial weights."""
    if workload == "mlp":
        inputs = keras.Input((784,))
        h = inputs
        for units in MLP_SIZES[1:-1]:
            h = keras.layers.Dense(units, activation="sigmoid")(h)
        outputs = keras.layers.Dense(10, activation="softmax")(h)
        loss = "categorical_crossentropy"
    else:
        inputs = keras.Input((28, 28, 1))
        h = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
        h = keras.layers.Conv2D(32, 3, activation="relu")(h)
        h = keras.layers.MaxPooling2D(2, 2)(h)
        h = keras.layers.Conv2D(16, 3, activation="relu")(h)
        h = keras.layers.MaxPooling2D(2, 2)(h)
        h = keras.layers.Flatten()(h)
        h = keras.layers.Dense(32, activation="relu")(h)
        h = keras.layers.Dense(16, activation="relu")(h)
        outputs = keras.layers.Dense(10)(h)
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    model = keras.Model(inputs, outputs)
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(LR), loss=loss)
    return model


def keras_contender(keras, workload, weights):
    """train_on_batch / predict_on_batch of `keras_model` (tf.keras or tenseur.keras)."""
    if workload == "resnet50":
        model = keras.applications.ResNet50(weights=None)
        return lambda images, labels: model.predict_on_batch(images), None
    model = keras_model(keras, workload, weights)
    return (lambda images, labels: model.train_on_batch(images, labels),
            lambda images: model.predict_on_batch(images))


def jax_contender(workload, weights, data):
    import jax
    import jax.numpy as jnp
    params = [jnp.asarray(w) for w in weights]

    def logits_of(params, x):
        if workload == "mlp":
            h = x
            for i in range(0, len(params) - 2, 2):
                h = jax.nn.sigmoid(h @ params[i] + params[i + 1])
            return h @ params[-2] + params[-1]
        h = x
        for i, pool in ((0, False), (2, True), (4, True)):
            h = jax.lax.conv_general_dilated(h, params[i], (1, 1), "VALID",
                                             dimension_numbers=("NHWC", "HWIO", "NHWC"))
            h = jax.nn.relu(h + params[i + 1])
            if pool:
                h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                          "VALID")
        h = h.reshape(h.shape[0], -1)
        for i in (6, 8):
            h = jax.nn.relu(h @ params[i] + params[i + 1])
        return h @ params[10] + params[11]

    def loss_of(params, x, y):
        logits = logits_of(params, x)
        if workload == "mlp":
            return jnp.mean(-jnp.sum(y * jnp.log(jax.nn.softmax(logits)), axis=-1))
        return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(logits), axis=-1))

    @jax.jit
    def step(params, x, y):
        grads = jax.grad(loss_of)(params, x, y)
        return [p - LR * g for p, g in zip(params, grads)]

    state = {"params": params}

    def train(images, labels):
        state["params"] = step(state["params"], images, labels)
        jax.block_until_ready(state["params"])

    predict = jax.jit(logits_of)
    return train, lambda images: jax.device_get(predict(state["params"], images))


def build(contender, workload, weights, data):
    if contender == "tenseur-graph":
        return tenseur_graph(workload, weights, data)
    if contender in ("tenseur-eager", "tenseur-function"):
        return tenseur_eager(workload, weights, data, traced=contender == "tenseur-function")
    if contender in ("torch", "torch-compile"):
        return torch_contender(workload, weights, data, compiled=contender == "torch-compile")
    if contender == "tf-keras":
        import tensorflow
        return keras_contender(tensorflow.keras, workload, weights)
    if contender == "tenseur-keras":
        from tenseur import keras
        return keras_contender(keras, workload, weights)
    if contender == "jax":
        return jax_contender(workload, weights, data)
    if contender == "numpy":
        return numpy_contender(workload, weights, data)
    raise ValueError(f"unknown contender {contender!r}")


_MODULE = {"tenseur-graph": "tenseur", "tenseur-eager": "tenseur",
           "tenseur-function": "tenseur", "tenseur-keras": "tenseur", "torch": "torch", "torch-compile": "torch",
           "tf-keras": "tensorflow", "jax": "jax", "numpy": "numpy"}


def set_threads(contender, threads):
    if not threads:
        return
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                               + ("false" if threads == 1 else "true")).strip()


def worker(contender, workload, threads):
    """Runs one contender: line protocol on stdin/stdout (JSON replies)."""
    set_threads(contender, threads)
    sys.path.insert(0, ROOT)
    start = time.perf_counter()
    module = __import__(_MODULE[contender])
    import_s = time.perf_counter() - start
    if contender.startswith("torch") and threads:
        module.set_num_threads(threads)
    if contender == "tf-keras" and threads:
        module.config.threading.set_intra_op_parallelism_threads(threads)
        module.config.threading.set_inter_op_parallelism_threads(1)
    import numpy as np
    images, labels, test_images, test_labels, real = load_data(workload)
    weights = initial_weights(workload) if workload != "resnet50" else None
    batch = BATCH[workload]
    batches = [(images[i:i + batch], None if labels is None else labels[i:i + batch])
               for i in range(0, len(images), batch)]
    start = time.perf_counter()
    train, predict = build(contender, workload, weights, batches)
    train(*batches[0])
    first_s = time.perf_counter() - start
    reply({"import_s": import_s, "first_s": first_s})
    i = 1
    for line in sys.stdin:
        command = line.split()
        if command[0] == "steps":
            times = []
            for _ in range(int(command[1])):
                start = time.perf_counter()
                train(*batches[i % len(batches)])
                times.append(time.perf_counter() - start)
                i += 1
            reply({"times": times})
        elif command[0] == "finish":
            accuracy = None
            if predict is not None and real:
                outputs = np.concatenate([np.asarray(predict(test_images[k:k + 500]))
                                          for k in range(0, len(test_images), 500)])
                accuracy = float(np.mean(outputs.argmax(1) == test_labels.argmax(1)))
            import resource
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            reply({"accuracy": accuracy, "peak_rss": rss})
            return


def reply(message):
    sys.stdout.write("@@" + json.dumps(message) + "\n")
    sys.stdout.flush()


# -- the driver ---------------------------------------------------------------------------------

class Worker:
    def __init__(self, contender, workload, threads):
        self.name, self.workload = contender, workload
        # CPUs only, as issue #7 measures: on a machine with a GPU, JAX (and TensorFlow) would
        # put the work there (the first run on the lent H100 machine timed JAX's CNN epoch at
        # 0.2 s). CUDA_VISIBLE_DEVICES hides it from every framework's CUDA runtime.
        env = dict(os.environ, PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3",
                   JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", contender, workload,
             str(threads or 0)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env)
        self.times: list = []
        self.info: dict = {}

    def read(self):
        for line in self.process.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        raise RuntimeError(self.process.stderr.read()[-2000:])

    def send(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def available(contender):
    names = {"torch": "torch", "torch-compile": "torch", "tf-keras": "tensorflow",
             "jax": "jax"}
    name = names.get(contender)
    if name is None:
        return None
    import importlib.util
    if importlib.util.find_spec(name) is None:
        return f"{name} is not installed in this interpreter ({sys.executable})"
    return None


def run_workload(workload, contenders, threads, steps, rounds):
    print(f"\n== {workload}: batch {BATCH[workload]}"
          + ("" if workload == "resnet50" else f", s/epoch of {EPOCH:,} images")
          + f", {threads or 'default'} thread(s), {rounds} rounds x {steps} steps ==", flush=True)
    workers = []
    for contender in contenders:
        if workload not in SUPPORTS.get(contender, ("mlp", "cnn", "resnet50")):
            continue
        note = available(contender)
        if note:
            print(f"  skipped {contender}: {note}")
            continue
        w = Worker(contender, workload, threads)
        try:
            w.info.update(w.read())
            workers.append(w)
        except RuntimeError as exc:
            print(f"  skipped {contender}: it failed to start: {str(exc).strip()[-300:]}")
    for _ in range(rounds):
        for w in workers:
            if threads != 1:
                time.sleep(SETTLE_S)      # let the last contender's spinning threads go idle
            w.send(f"steps {steps}")
            w.times += w.read()["times"]
    for w in workers:
        w.send("finish")
        w.info.update(w.read())
        w.process.wait(timeout=120)
    return report(workload, workers)


def report(workload, workers):
    per_epoch = EPOCH / BATCH[workload]
    rows = []
    base = next((w for w in workers if w.name == "tenseur-graph"), None)
    base_median = statistics.median(base.times) if base and base.times else None
    unit = "ms/step" if workload == "resnet50" else "s/epoch"
    print(f"  {'contender':18s} {unit:>9s} {'fastest':>8s} {'first step':>11s} "
          f"{'import':>7s} {'peak RSS':>9s} {'acc':>6s} {'vs tenseur':>11s}")
    for w in workers:
        median = statistics.median(w.times)
        scale = 1e3 if workload == "resnet50" else per_epoch
        ratio = median / base_median if base_median else float("nan")
        acc = w.info.get("accuracy")
        row = {"workload": workload, "contender": w.name, "median_step_s": median,
               "per_epoch_s": median * per_epoch, "fastest_step_s": min(w.times),
               "first_step_s": w.info["first_s"], "import_s": w.info["import_s"],
               "peak_rss_mb": w.info["peak_rss"] / 2 ** 20, "accuracy": acc,
               "ratio_to_tenseur": ratio, "step_times_s": w.times}
        rows.append(row)
        print(f"  {w.name:18s} {median * scale:9.2f} {min(w.times) * scale:8.2f} "
              f"{w.info['first_s']:10.2f}s {w.info['import_s']:6.2f}s "
              f"{row['peak_rss_mb']:7.0f}MB {'-' if acc is None else f'{acc:.3f}':>6s} "
              f"{ratio:10.2f}x", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a ~1-minute version")
    parser.add_argument("--threads", default="1",
                        help="threads per framework, or a list (1,2); 0 = the defaults")
    parser.add_argument("--workloads", default=None, help="mlp,cnn,resnet50")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--steps", type=int, default=None, help="steps per round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args()
    if args.worker:
        contender, workload, threads = args.worker
        worker(contender, workload, int(threads))
        return
    workloads = (args.workloads or ("mlp,cnn" if args.quick else "mlp,cnn,resnet50")).split(",")
    contenders = args.contenders.split(",")
    if args.quick and args.contenders == ",".join(CONTENDERS):
        contenders = [c for c in contenders if c not in ("torch-compile", "tenseur-eager")]
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "unknown"
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load}")
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        for workload in workloads:
            steps = args.steps or {"mlp": 20 if args.quick else 100, "cnn": 1 if args.quick else 3,
                                   "resnet50": 1 if args.quick else 2}[workload]
            rounds = args.rounds or (3 if args.quick else 5)
            for row in run_workload(workload, contenders, threads, steps, rounds):
                rows.append(dict(row, threads=threads))
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        pass
    print(f"\nload average after: {load}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
