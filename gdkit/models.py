"""The Keras-shaped model API: ``Sequential``, ``compile``, ``fit``, ``evaluate``, ``predict``
(chapter: training in practice).

The tutorials' code runs with only the import changed (``keras`` -> ``gdkit``)::

    model = Sequential([Dense(12, input_dim=8, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, Y, epochs=150, batch_size=10)

Underneath, one training step is the algorithm of the backpropagation chapter: a forward pass through the
layers, the gradient of the loss with respect to the output, a backward pass in reverse order, and one
optimizer step. When the last activation is a sigmoid (softmax) and the loss binary (categorical)
cross-entropy, the two are folded together and the output gradient is simply ``(A - Y) / N`` (divided by
``N * K``, the number of entries, for a sigmoid output with K columns, as the mean in the BCE loss is): the
same numbers, computed stably, as Keras and PyTorch do.
"""
import re
import sys
import time
import warnings

import numpy as np

from . import diagnostics as diagnostics_module, losses, metrics as metrics_module, optimizers, regularizers
from .callbacks import History, TrainingDivergedWarning
from .layers import Layer

__all__ = ["Sequential"]

_CATEGORICAL = ("categorical_crossentropy", "categorical_crossentropy_from_logits")


def _check_finite(array, what):
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{what} contains {int(bad.sum())} NaN or infinite values (the first at index {first}); "
                         "remove or impute them before training.")


class Sequential:
    """A stack of layers trained by gradient descent, with Keras's interface.

    Parameters
    ----------
    layers : list of gdkit.layers.Layer, optional
    name : str, optional
    rng : int, numpy Generator or None
        Source of randomness for weight initialisation and shuffling (same seed, same run).
    dtype : {"float64", "float32"}
        Precision of weights and computations. float64 (default) for teaching and gradient checks; float32 is
        about twice as fast on large layers.
    """

    def __init__(self, layers=None, name=None, rng=None, dtype="float64"):
        self.name = name or "sequential"
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential: dtype must be float32 or float64, got {self.dtype}.")
        self.rng = np.random.default_rng(rng)
        self.layers, self.optimizer, self.loss, self.metrics = [], None, None, []
        self.stop_training, self.stop_reason = False, None
        self._params = []  # filled by build()
        for layer in layers or []:
            self.add(layer)

    # ---- building -------------------------------------------------------------------------------------
    def add(self, layer):
        """Append a layer; it is named ``dense``, ``dense_1``, ``batch_normalization``, ... as in Keras unless it has a
        name.

        As in Keras, when the first layer declares its input size (``input_dim=`` or ``input_shape=``) the
        weights are created at once, so ``get_weights()`` and ``summary()`` work before ``fit``.
        """
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a gdkit layer such as gdkit.layers.Dense(8), "
                            f"got {type(layer).__name__}.")
        if layer.name is None:
            base = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()  # as Keras: batch_normalization
            count = sum(1 for other in self.layers if type(other) is type(layer))
            layer.name = base if count == 0 else f"{base}_{count}"
        self.layers.append(layer)
        if self.layers[0].input_dim is not None:
            self.build(self.layers[0].input_dim)

    @property
    def built(self):
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_dim):
        """Create every layer's weights for inputs with ``input_dim`` features."""
        if not self.layers:
            raise ValueError("The model has no layers yet: add some with model.add(Dense(...)).")
        for layer in self.layers:
            if not layer.built:
                layer.build(input_dim, self.rng, self.dtype)
            elif layer.input_dim != input_dim:
                raise ValueError(f"layer {layer.name!r} expects {layer.input_dim} input features but receives "
                                 f"{input_dim}.")
            input_dim = layer.output_dim
        self._params = [p for layer in self.layers for p in layer.params]

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics (names or objects), as in Keras.

        An optimizer given by name has Keras's default hyperparameters (``"rmsprop"``: learning rate 0.001,
        rho 0.9; see :func:`gdkit.optimizers.get`); pass an object, e.g. ``gdkit.optimizers.Adam(0.01)``, to choose.
        """
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse', 'binary_crossentropy' or "
                             "'categorical_crossentropy'.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = [metrics_module.get(m) for m in (metrics or [])]

    # ---- inputs ---------------------------------------------------------------------------------------
    def _prepare_x(self, x):
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if x.ndim != 2:
            raise ValueError(f"inputs must have shape (N, features), got {x.shape}. "
                             "Reshape with x.reshape(len(x), -1).")
        _check_finite(x, "the input x")
        if not self.built:
            self.build(x.shape[1])
        elif x.shape[1] != self.layers[0].input_dim:
            raise ValueError(f"the model's first layer {self.layers[0].name!r} expects {self.layers[0].input_dim} "
                             f"features per example but x has shape {x.shape}.")
        return x

    def _prepare_y(self, y, n):
        y = np.asarray(y)
        units = self.layers[-1].output_dim
        if len(y) != n:
            raise ValueError(f"x has {n} examples but y has {len(y)} (y shape {y.shape}); they must match.")
        if self.loss.name in _CATEGORICAL and y.ndim == 1:
            labels = y.astype(np.int64)
            if not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= units:
                raise ValueError(f"integer class labels must lie in 0..{units - 1} for an output layer of {units} "
                                 f"units; got values from {y.min()} to {y.max()}.")
            one_hot = np.zeros((n, units), dtype=self.dtype)
            one_hot[np.arange(n), labels] = 1.0
            return one_hot
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape[1] != units:
            raise ValueError(f"y has shape {y.shape} but the output layer {self.layers[-1].name!r} has {units} "
                             f"units; use one column per output unit (one-hot labels for softmax).")
        y = np.ascontiguousarray(y, dtype=self.dtype)
        _check_finite(y, "the targets y")
        return y

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(f"call model.compile(optimizer=..., loss=...) before model.{what}().")

    # ---- one step -------------------------------------------------------------------------------------
    def _forward(self, x, training):
        """Forward pass through all layers; ``training`` selects the mode of layers such as dropout or batch
        normalisation (True in fit/train_on_batch/compute_gradients, False in predict/evaluate/validation)."""
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def _fused_output(self):
        return self.loss.output_activation is not None and \
            self.layers[-1].activation.name == self.loss.output_activation

    def _loss_value(self, y, A):
        """Loss of output ``A`` for targets ``y`` (from logits when the output activation is fused)."""
        if self._fused_output():
            return self.loss.from_logits.forward(y, self.layers[-1].pre_activation)
        return self.loss.forward(y, A)

    def _backward(self, y, A):
        """Backpropagate the loss gradient from output ``A`` through all layers, filling each layer's grads."""
        last, need_dX = self.layers[-1], len(self.layers) > 1
        if self._fused_output():
            divisor = A.shape[0] if self.loss.name in _CATEGORICAL else A.size
            dA = last.backward_from_z((A - y) / divisor, need_dX)
        else:
            dA = last.backward(self.loss.grad(y, A), need_dX)
        for index in range(len(self.layers) - 2, -1, -1):
            dA = self.layers[index].backward(dA, need_dX=index > 0)

    def _penalty(self):
        return sum(layer.penalty() for layer in self.layers)

    def _train_step(self, xb, yb, recorder=None):
        A = self._forward(xb, training=True)
        loss_value = self._loss_value(yb, A) + self._penalty()
        self._backward(yb, A)
        if recorder:
            recorder.after_backward()  # before the step: clipping changes the gradients in place
        learning_rate = self.optimizer.current_learning_rate()  # the rate of this step (before it counts)
        self.optimizer.step(self._params, [g for layer in self.layers for g in layer.grads])
        regularizers.proximal_step(self.layers, self.optimizer, learning_rate)  # proximal L1, if any
        return loss_value, A

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns the batch loss (before the step)."""
        self._require_compiled("train_on_batch")
        x = self._prepare_x(x)
        return self._train_step(x, self._prepare_y(y, len(x)))[0]

    def compute_gradients(self, x, y):
        """Loss gradients for a batch without changing the weights: a list with one list per layer
        (``[dW, db]`` for Dense), in layer order. The forward pass runs in training mode, as in a training step
        (so dropout draws masks and batch normalisation uses, and updates, the batch statistics)."""
        self._require_compiled("compute_gradients")
        x = self._prepare_x(x)
        y = self._prepare_y(y, len(x))
        self._backward(y, self._forward(x, training=True))
        return [[g.copy() for g in layer.grads] for layer in self.layers]

    # ---- training -------------------------------------------------------------------------------------
    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, rng=None, diagnostics=False):
        """Train by mini-batch gradient descent; returns a :class:`gdkit.callbacks.History`.

        Parameters
        ----------
        x : ndarray, shape (N, D)
        y : ndarray, shape (N,) or (N, K)
            Binary labels, regression targets, integer class labels, or one-hot rows.
        batch_size : int or None
            Examples per step; ``None`` or ``>= N`` is full-batch gradient descent, 1 is stochastic.
        epochs : int
        verbose : {0, 1, 2}
            0 silent, 1 a progress bar per epoch, 2 one line per epoch.
        callbacks : list of gdkit.callbacks.Callback, optional
        validation_split : float
            Fraction of the data, taken from the end before shuffling (as Keras), held out for validation.
        validation_data : tuple (x_val, y_val), optional
        shuffle : bool
            Reshuffle the training examples every epoch.
        rng : int, Generator or None
            Randomness for shuffling; by default the model's own generator.
        diagnostics : bool
            Record per-layer gradient norms and activation statistics in ``history.diagnostics``.

        Notes
        -----
        If the loss becomes NaN or infinite, training stops at once with a
        :class:`gdkit.callbacks.TrainingDivergedWarning` naming the epoch; ``history.stopped_reason`` says why.
        """
        self._require_compiled("fit")
        x = self._prepare_x(x)
        y = self._prepare_y(y, len(x))
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}.")
        if validation_data is None and validation_split > 0:
            n_val = int(round(len(x) * validation_split))
            if n_val == 0 or n_val == len(x):
                raise ValueError(f"validation_split={validation_split} leaves {len(x) - n_val} training and {n_val} "
                                 f"validation examples out of {len(x)}; both must be at least 1.")
            validation_data = (x[-n_val:], y[-n_val:])
            x, y = x[:-n_val], y[:-n_val]
        elif validation_data is not None:
            x_val, y_val = validation_data
            x_val = self._prepare_x(x_val)
            validation_data = (x_val, self._prepare_y(y_val, len(x_val)))
        n = len(x)
        batch_size = n if batch_size is None else int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        rng = self.rng if rng is None else np.random.default_rng(rng)
        history, callbacks = History(), list(callbacks or [])
        self.history, self.stop_training, self.stop_reason = history, False, None
        for callback in callbacks:
            callback.set_model(self)
            callback.on_train_begin()
        progress = _Progress(verbose, epochs, -(-n // batch_size))
        recorder = _Diagnostics(self, x[:1000], history) if diagnostics else None
        for epoch in range(epochs):
            progress.start_epoch(epoch)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, in words
                logs = self._train_epoch(epoch, x, y, batch_size, shuffle, rng, progress, recorder, history)
            if logs is None:  # diverged
                break
            if validation_data is not None:
                logs.update({f"val_{key}": value for key, value in self._evaluate_logs(*validation_data).items()})
            history.record(epoch, logs)
            if recorder:
                with np.errstate(over="ignore", invalid="ignore"):
                    recorder.end_epoch()
            progress.end_epoch(logs)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training:
                history.stopped_reason = self.stop_reason
                progress.message(f"Stopped: {self.stop_reason}.")
                break
        for callback in callbacks:
            callback.on_train_end()
        return history

    def _train_epoch(self, epoch, x, y, batch_size, shuffle, rng, progress, recorder, history):
        """One pass over the training data; returns the epoch's logs, or None if the loss diverged."""
        n = len(x)
        # Shuffle by gathering each batch through a permutation, rather than copying the whole data set once
        # per epoch (a fresh 376 MB array for 60,000 MNIST images in float64: page faults, about 10% of an epoch).
        order = rng.permutation(n) if shuffle and batch_size < n else None
        loss_sum, metric_sums = 0.0, [0.0] * len(self.metrics)
        for batch, start in enumerate(range(0, n, batch_size)):
            if order is None:
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            else:
                rows = order[start:start + batch_size]
                xb, yb = x[rows], y[rows]
            loss_value, A = self._train_step(xb, yb, recorder)
            if not np.isfinite(loss_value):
                history.batch_loss.append(loss_value)
                self._stop_diverged(history, epoch, batch, loss_value, progress)
                return None
            loss_sum += loss_value * len(xb)
            history.batch_loss.append(loss_value)
            for i, (_, metric) in enumerate(self.metrics):
                metric_sums[i] += metric(yb, A) * len(xb)
            progress.update(batch + 1, loss_sum / min(start + batch_size, n))
        logs = {"loss": loss_sum / n}
        logs.update({name: total / n for (name, _), total in zip(self.metrics, metric_sums)})
        return logs

    def _stop_diverged(self, history, epoch, batch, loss_value, progress):
        rate = getattr(self.optimizer, "learning_rate", None)
        rate = f" (now {rate})" if isinstance(rate, (int, float)) else ""
        reason = (f"the loss became {loss_value} in epoch {epoch + 1}, batch {batch + 1}: training diverged and was "
                  f"stopped. The steps are too large for this problem: try a smaller learning rate{rate}, e.g. 10 "
                  "times smaller, standardise the inputs, or clip the gradients.")
        # The diverged epoch is recorded with the loss that diverged and NaN for everything else, so that all
        # lists in history.history keep the same length (as a table of epochs needs).
        history.record(epoch, {key: float(loss_value) if key == "loss" else float("nan") for key in
                               (history.history or {"loss": None})})
        history.stopped_reason = self.stop_reason = reason
        progress.message(f"\nStopped: {reason}")
        warnings.warn(reason, TrainingDivergedWarning, stacklevel=4)

    # ---- using a trained model --------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose=0):
        """The network's outputs for inputs ``x`` (N, D): shape (N, units of the last layer), in inference mode
        (``training=False``: no dropout, batch normalisation with its running averages)."""
        x = self._prepare_x(x)
        step = len(x) if batch_size is None else int(batch_size)
        return np.concatenate([self._forward(x[i:i + step], training=False) for i in range(0, len(x), max(step, 1))])

    def __call__(self, x, training=False):
        """The network's outputs for one batch ``x`` (N, D), as Keras's ``model(x, training=...)``.

        ``training=False`` (the default) is ``predict`` on one batch. ``training=True`` runs the layers as a training
        step does: dropout drops, batch normalisation normalises with *this batch's* statistics and updates its
        running averages. Use it for custom training code, not for predictions.
        """
        return self._forward(self._prepare_x(x), training=training)

    def _evaluate_logs(self, x, y):
        """Loss and metrics of prepared ``x``, ``y`` (loss from logits when the output is fused, as in training)."""
        A = self._forward(x, training=False)
        logs = {"loss": self._loss_value(y, A) + self._penalty()}
        logs.update({name: metric(y, A) for name, metric in self.metrics})
        return logs

    def evaluate(self, x, y, batch_size=None, verbose=0):
        """Loss (plus regularisation) on ``(x, y)``; with metrics, ``[loss, metric_1, ...]`` as in Keras.
        Runs in inference mode (``training=False``), as ``predict`` and the validation loss do."""
        self._require_compiled("evaluate")
        x = self._prepare_x(x)
        logs = self._evaluate_logs(x, self._prepare_y(y, len(x)))
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ---- weights and description ------------------------------------------------------------------------
    def get_weights(self):
        """Copies of all parameters, in layer order (``[W_1, b_1, W_2, b_2, ...]``)."""
        return [p.copy() for p in self._params]

    def set_weights(self, weights):
        """Overwrite all parameters (shapes must match :meth:`get_weights`)."""
        if len(weights) != len(self._params):
            raise ValueError(f"set_weights: the model has {len(self._params)} arrays, got {len(weights)}.")
        for param, value in zip(self._params, weights):
            if np.shape(value) != param.shape:
                raise ValueError(f"set_weights: shape {np.shape(value)} given for a parameter of shape {param.shape}.")
            param[...] = value

    def get_flat_weights(self):
        """All parameters as one vector of shape (P,), in the order of :meth:`get_weights` (for loss landscapes:
        ``gdkit.surfaces.slice_2d`` evaluates a loss at ``theta + a d1 + b d2``)."""
        return np.concatenate([p.ravel() for p in self._params]) if self._params else np.zeros(0, self.dtype)

    def set_flat_weights(self, theta):
        """Overwrite all parameters from one vector of shape (P,), as returned by :meth:`get_flat_weights`."""
        theta = np.asarray(theta)
        if theta.shape != (self.count_params(),):
            raise ValueError(f"set_flat_weights: the model has {self.count_params()} parameters, got an array of "
                             f"shape {theta.shape}.")
        start = 0
        for param in self._params:
            param[...] = theta[start:start + param.size].reshape(param.shape)
            start += param.size

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print a table of layers, output shapes and parameter counts."""
        rows = [f'Model: "{self.name}"', f"{'Layer (type)':<28}{'Output Shape':<18}{'Param #':>10}", "-" * 56]
        for layer in self.layers:
            shape = f"(None, {layer.output_dim})" if layer.built else "(unbuilt)"
            rows.append(f"{layer.name + ' (' + type(layer).__name__ + ')':<28}{shape:<18}{layer.count_params():>10}")
        rows += ["-" * 56, f"Total params: {self.count_params()}"]
        print_fn("\n".join(rows))

    def __repr__(self):
        return f"Sequential([{', '.join(repr(layer) for layer in self.layers)}])"


class _Diagnostics:
    """Per-layer gradient norms (averaged over an epoch's steps) and activation statistics on a probe batch."""

    KEYS = ("activation_mean", "activation_std", "inactive_fraction", "dead_fraction", "saturated_fraction",
            "grad_norm", "weight_norm")

    def __init__(self, model, probe, history):
        self.model, self.probe = model, probe
        self.grad_sums, self.steps = [0.0] * len(model.layers), 0
        self.stats = history.diagnostics
        for key in self.KEYS:  # every key exists from the start, even if training stops in epoch 1
            self.stats[key] = {layer.name: [] for layer in model.layers
                                        if layer.params or not key.endswith("_norm")}

    def after_backward(self):
        for i, layer in enumerate(self.model.layers):
            if layer.grads:
                self.grad_sums[i] += float(np.linalg.norm(layer.grads[0]))
        self.steps += 1

    def end_epoch(self):
        A = self.probe
        for i, layer in enumerate(self.model.layers):
            A = layer.forward(A, training=False)  # a probe: no dropout masks drawn, no running averages updated
            values = {"activation_mean": float(A.mean()), "activation_std": float(A.std()),
                      "inactive_fraction": np.nan, "dead_fraction": np.nan}
            name = layer.activation.name
            if name in ("relu", "leaky_relu", "elu"):
                values["inactive_fraction"] = diagnostics_module.dead_fraction(layer.pre_activation)
            if name == "relu":  # leaky ReLU and ELU units still pass a gradient when their input is negative
                values["dead_fraction"] = values["inactive_fraction"]
            values["saturated_fraction"] = diagnostics_module.saturated_fraction(A, name)
            if layer.params:
                values["grad_norm"] = self.grad_sums[i] / max(self.steps, 1)
                values["weight_norm"] = float(np.linalg.norm(layer.params[0]))
            for key, value in values.items():
                self.stats[key][layer.name].append(value)
        self.grad_sums, self.steps = [0.0] * len(self.model.layers), 0


class _Progress:
    """Keras-style progress output: a bar redrawn at most every 0.1 s (verbose=1) or a line per epoch (2)."""

    def __init__(self, verbose, epochs, steps):
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        self.out = sys.stdout

    def start_epoch(self, epoch):
        self.t0 = self.last_draw = time.perf_counter()
        if self.verbose == 1:
            self.out.write(f"Epoch {epoch + 1}/{self.epochs}\n")
        self.epoch = epoch

    def update(self, step, loss):
        if self.verbose == 1 and (time.perf_counter() - self.last_draw > 0.1):
            self.last_draw = time.perf_counter()
            self.out.write(f"\r{self._bar(step)} - loss: {loss:.4f}")
            self.out.flush()

    def _bar(self, step):
        done = int(30 * step / self.steps)
        bar = "=" * max(done - 1, 0) + (">" if done < 30 else "=") + "." * (30 - done)
        return f"{step}/{self.steps} [{bar}]"

    def end_epoch(self, logs):
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.t0
        values = " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())
        per_step = elapsed / self.steps
        timing = f"{elapsed:.0f}s " + (f"{1e3 * per_step:.0f}ms/step" if per_step >= 1e-3 else f"{1e6 * per_step:.0f}us/step")
        if self.verbose == 1:
            self.out.write(f"\r{self._bar(self.steps)} - {timing} - {values}\n")
        else:
            self.out.write(f"Epoch {self.epoch + 1}/{self.epochs} - {timing} - {values}\n")
        self.out.flush()

    def message(self, text):
        if self.verbose:
            self.out.write(text + "\n")
