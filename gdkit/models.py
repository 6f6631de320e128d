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
numbers of PyTorch's ``BCEWithLogitsLoss`` / ``CrossEntropyLoss``, computed stably. Keras (torch backend) agrees
until a unit saturates: it clips the probability at 1e-7, so beyond ``|z|`` of about 16 its loss stops at 16.1
and its gradient is 0, where gdkit's keeps pulling the unit back.

**Keras 3, behaviour by behaviour.** ``fit``, ``evaluate``, ``predict``, the callbacks, the loss objects and the
optimizer names behave as Keras 3's: ``batch_size=None`` means 32; ``validation_split`` holds out the last
``N - floor(N (1 - s))`` examples; ``sample_weight``, ``class_weight``, ``weighted_metrics``, ``initial_epoch``,
``validation_freq`` and ``evaluate(return_dict=True)`` as in Keras; logs and ``history.history`` in alphabetical
order; ``History.params`` as Keras's (``verbose`` as given); losses and metrics also by Keras's class names
(``loss="BinaryCrossentropy"``); the progress lines are Keras 3's (``━`` bar, ``Epoch i/E`` only when E > 1) and
``summary()`` draws Keras 3's table; ``evaluate``/``predict`` take ``callbacks`` (Keras's test and predict hooks);
:mod:`gdkit.layers` has ``Input``, ``Dense``, ``Activation``, ``Flatten``, ``Dropout``, ``BatchNormalization`` and
``Normalization`` (with ``adapt``), and a Keras name gdkit lacks (``layers.Conv2D``, ``keras.Model``,
``datasets.mnist``) raises an error saying so and what to write instead; ``EarlyStopping`` has
Keras's defaults (``patience=0``, ``mode="auto"``) and restores the best weights at the end of training;
``optimizer="rmsprop"`` / ``"adam"`` / ``"adamw"`` by name are Keras's optimizers (epsilon placement included);
``activation="leaky_relu"`` has Keras's slope 0.2; callbacks get Keras's hooks in Keras's order, and
:mod:`gdkit.callbacks` has ``LearningRateScheduler``, ``ReduceLROnPlateau``, ``ModelCheckpoint`` (weights),
``CSVLogger``, ``LambdaCallback`` and ``TerminateOnNaN``. What differs, on purpose:

- real float64 (Keras on torch computes in float32 even with ``floatx="float64"``), so numbers agree with
  Keras's to float32 rounding, not exactly; ``dtype="float32"`` is available;
- ``evaluate`` and ``predict`` print nothing unless ``verbose`` is given (Keras prints a bar), and
  ``predict(batch_size=None)`` runs all rows at once (its bar shows one step); the validation pass of ``fit``
  too, unless ``validation_batch_size`` is given;
- the progress bar is not coloured outside a terminal and is redrawn at most every 0.1 s;
- errors name the layer, the shapes and the fix; a NaN in the data or a diverging loss stops training with a
  message (Keras trains on to ``nan``); ``EarlyStopping`` without validation data raises an error saying what
  to add (Keras warns every epoch); when a callback stops training, ``fit`` with ``verbose`` > 0 prints one more
  line saying why (``Stopped: early stopping at epoch 7: ...``); Keras's warning against ``input_shape=`` on the
  first layer is not repeated;
- integer labels with ``loss="categorical_crossentropy"`` are accepted, with a :class:`KerasPortabilityWarning`
  (Keras needs ``"sparse_categorical_crossentropy"``);
- ``summary()`` counts the model's arrays only (Keras 3 adds an ``Optimizer params`` line after training) and
  gives their own size in bytes (8 a parameter in float64, Keras's float32: 4); ``count_params()`` counts the
  trained parameters (Keras's also counts batch normalisation's running averages, as ``summary``'s total does);
  layer names restart at ``dense`` in every model (Keras numbers them per session); a model whose first layer
  knows its input (an adapted ``Normalization``, ``input_dim=``) is built at once, so ``summary()`` before ``fit``
  shows every layer (Keras builds only the layers before the first one that does not);
- ``metrics_names`` lists every metric (Keras 3 says ``["loss", "compile_metrics"]``);
- weights are saved as ``.npz`` (:meth:`Sequential.save_weights`), not ``.weights.h5``, and whole models are not
  saved (``model.save`` says so);
- the optimizer *classes* (``RMSprop()``, ``Adam()``, ...) keep PyTorch's equations and defaults (see
  :mod:`gdkit.optimizers`); only the names give Keras's.
"""
import math
import re
import sys
import textwrap
import time
import warnings

import numpy as np

from . import diagnostics as diagnostics_module, losses, metrics as metrics_module, optimizers, regularizers
from .callbacks import History, TrainingDivergedWarning
from .layers import InputLayer, Layer
from ._keras_names import missing_name_getattr

__all__ = ["Sequential", "KerasPortabilityWarning", "load_model"]

_SPARSE = ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy_from_logits")
_CATEGORICAL = ("categorical_crossentropy", "categorical_crossentropy_from_logits") + _SPARSE


class _Seeds:
    """Set by :func:`gdkit.utils.set_random_seed`: models made without ``rng`` then draw their seeds from it."""

    sequence = None


_seeds = _Seeds()


class KerasPortabilityWarning(UserWarning):
    """gdkit accepted something that Keras would refuse (the message says what to write instead)."""


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
        if rng is None and _seeds.sequence is not None:  # gdkit.utils.set_random_seed was called
            rng = np.random.default_rng(_seeds.sequence.spawn(1)[0])
        self.rng = np.random.default_rng(rng)
        self.layers, self.optimizer, self.loss, self.metrics = [], None, None, []
        self._weighted_metric = []
        self.stop_training, self.stop_reason = False, None
        self._params = []  # filled by build()
        self._input_shape = None  # the shape of one example, known once built (or from Input(shape=...))
        for layer in layers or []:
            self.add(layer)

    # ---- building -------------------------------------------------------------------------------------
    def add(self, layer):
        """Append a layer; it is named ``dense``, ``dense_1``, ``batch_normalization``, ... as in Keras unless it has a
        name.

        As in Keras, when the input's shape is known in advance (``Input(shape=...)`` first, or ``input_dim=`` /
        ``input_shape=`` on the first layer) the weights are created at once, so ``get_weights()`` and
        ``summary()`` work before ``fit``. ``Input`` declares the shape only: it is not one of ``model.layers``.
        """
        if isinstance(layer, InputLayer):
            if self.layers or self._input_shape is not None:
                raise ValueError("Input(shape=...) must be the first element of the model, and appear only once.")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a gdkit layer such as gdkit.layers.Dense(8), "
                            f"got {type(layer).__name__}.")
        if layer.name is None:
            base = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()  # as Keras: batch_normalization
            count = sum(1 for other in self.layers if type(other) is type(layer))
            layer.name = base if count == 0 else f"{base}_{count}"
        self.layers.append(layer)
        first = self.layers[0]
        shape = self._input_shape if self._input_shape is not None else first.declared_input_shape
        if shape is None and first.built:  # a layer taken from a built model keeps its input shape
            shape = first.input_shape if first.input_ndim is None else (first.input_dim,)
        if shape is not None:
            self.build(shape)

    @property
    def built(self):
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_shape):
        """Create every layer's weights for examples of shape ``input_shape`` (an int D means (D,) features)."""
        if not self.layers:
            raise ValueError("The model has no layers yet: add some with model.add(Dense(...)).")
        shape = (int(input_shape),) if isinstance(input_shape, (int, np.integer)) else tuple(input_shape)
        self._input_shape = shape
        for layer in self.layers:
            if layer.input_ndim is not None and len(shape) != layer.input_ndim:
                raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) takes inputs of shape (N, features) "
                                 f"but receives examples of shape {shape}: put layers.Flatten() before it, or "
                                 "reshape the data with x.reshape(len(x), -1).")
            size = shape if layer.input_ndim is None else shape[0]
            if not layer.built:
                layer.build(size, self.rng, self.dtype)
            elif layer.input_dim != size:
                raise ValueError(f"layer {layer.name!r} expects {layer.input_dim} input features but receives "
                                 f"{size}.")
            shape = (layer.output_dim,)
        self._params = [p for layer in self.layers for p in layer.params]

    @property
    def weights(self):
        """All the model's arrays, live (not copies), as Keras's ``model.weights``; copies: :meth:`get_weights`."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self):
        """The arrays gradient descent updates (weights and biases), live, as Keras's ``model.trainable_weights``."""
        return list(self._params)

    def get_layer(self, name=None, index=None):
        """A layer by name (``"dense_1"``) or position, as Keras's ``model.get_layer``."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; the layers are {[layer.name for layer in self.layers]}.")

    def pop(self):
        """Remove the last layer and return it, as Keras's ``model.pop()`` (compile again before training)."""
        if not self.layers:
            raise ValueError("pop: the model has no layers.")
        layer = self.layers.pop()
        self._params = [p for other in self.layers for p in other.params]
        return layer

    @property
    def input_shape(self):
        """``(None, *shape of one example)``, as Keras's ``model.input_shape`` (None until known)."""
        return None if self._input_shape is None else (None,) + self._input_shape

    @property
    def output_shape(self):
        """``(None, units of the last layer)`` once built, as Keras's ``model.output_shape``."""
        return (None, self.layers[-1].output_dim) if self.built else None

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None, loss_weights=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics (names or objects), as in Keras.

        An optimizer given by name is Keras's (``"rmsprop"``: learning rate 0.001, rho 0.9, epsilon 1e-7 inside the
        root; see :func:`gdkit.optimizers.get`); pass an object, e.g. ``gdkit.optimizers.Adam(0.01)``, to choose.
        As in Keras, ``metrics`` ignore ``sample_weight``/``class_weight`` and ``weighted_metrics`` are weighted
        means (a name given in both is logged as ``weighted_<name>`` the second time). Keras's execution options
        (``run_eagerly``, ``steps_per_execution``, ``jit_compile``, ``auto_scale_loss``) are accepted and change
        nothing here: gdkit always runs eagerly in NumPy.
        """
        if loss_weights is not None:
            raise ValueError("compile(loss_weights=...) weighs the losses of a model with several outputs; a gdkit "
                             "Sequential has one output, so leave it out.")
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse', 'binary_crossentropy' or "
                             "'categorical_crossentropy'.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = [metrics_module.get(m) for m in (metrics or [])]
        self._weighted_metric = [False] * len(self.metrics)
        for metric in weighted_metrics or []:
            name, function = metrics_module.get(metric)
            if name in {existing for existing, _ in self.metrics}:
                name = f"weighted_{name}"
            self.metrics.append((name, function))
            self._weighted_metric.append(True)

    # ---- inputs ---------------------------------------------------------------------------------------
    def _prepare_x(self, x):
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if x.ndim < 2 or (x.ndim > 2 and self.layers and self.layers[0].input_ndim is not None):
            raise ValueError(f"inputs must have shape (N, features), got {x.shape}. "
                             "Reshape with x.reshape(len(x), -1), or start the model with layers.Flatten().")
        _check_finite(x, "the input x")
        if not self.built:
            self.build(x.shape[1:])
        elif x.shape[1:] != self._input_shape:
            expected = self._input_shape[0] if len(self._input_shape) == 1 else self._input_shape
            raise ValueError(f"the model's first layer {self.layers[0].name!r} expects {expected} "
                             f"{'features' if len(self._input_shape) == 1 else 'as the shape of each example'} "
                             f"but x has shape {x.shape}.")
        return x

    def _prepare_y(self, y, n, warn=False):
        """Targets as a float array (N, units); integer class labels become one-hot rows. ``warn``: say (once, in
        fit) when the labels would not work with the same loss in Keras."""
        y = np.asarray(y)
        units = self.layers[-1].output_dim
        if len(y) != n:
            raise ValueError(f"x has {n} examples but y has {len(y)} (y shape {y.shape}); they must match.")
        categorical = self.loss.name in _CATEGORICAL
        if categorical and y.ndim == 2 and y.shape[1] == 1 and units > 1:
            y = y[:, 0]  # Keras's sparse labels may come as a column (N, 1)
        if categorical and y.ndim == 1:
            labels = y.astype(np.int64)
            if not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= units:
                raise ValueError(f"integer class labels must lie in 0..{units - 1} for an output layer of {units} "
                                 f"units; got values from {y.min()} to {y.max()}.")
            if warn and self.loss.name not in _SPARSE:
                warnings.warn("integer class labels with loss='categorical_crossentropy': gdkit reads them as class "
                              "indices, but Keras would stop with a shape error. For Keras, use "
                              "loss='sparse_categorical_crossentropy' (gdkit accepts it too) or one-hot labels, "
                              "gdkit.utils.to_categorical(y).", KerasPortabilityWarning, stacklevel=3)
            one_hot = np.zeros((n, units), dtype=self.dtype)
            one_hot[np.arange(n), labels] = 1.0
            return one_hot
        if warn and self.loss.name in _SPARSE and y.ndim == 2:
            warnings.warn("one-hot labels with loss='sparse_categorical_crossentropy': gdkit accepts them, but "
                          "Keras would stop with a shape error. For Keras, use loss='categorical_crossentropy' or "
                          "integer labels, y.argmax(axis=1).", KerasPortabilityWarning, stacklevel=3)
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

    def _loss_value(self, y, A, weights=None):
        """Loss of output ``A`` for targets ``y`` (from logits when the output activation is fused); with
        ``weights`` (N,), Keras's weighted loss ``sum_n w_n l_n / N``."""
        loss, out = (self.loss.from_logits, self.layers[-1].pre_activation) if self._fused_output() else (self.loss, A)
        if weights is None:
            return loss.forward(y, out)
        return float(weights @ loss.per_example(y, out) / len(weights))

    def _backward(self, y, A, weights=None):
        """Backpropagate the loss gradient from output ``A`` through all layers, filling each layer's grads.
        With per-example ``weights`` (N,), row n of the output gradient is scaled by w_n."""
        last, need_dX = self.layers[-1], len(self.layers) > 1
        if self._fused_output():
            divisor = A.shape[0] if self.loss.name in _CATEGORICAL else A.size
            dZ = (A - y) / divisor
            dA = last.backward_from_z(dZ if weights is None else dZ * weights[:, None], need_dX)
        else:
            dA = self.loss.grad(y, A)
            dA = last.backward(dA if weights is None else dA * weights[:, None], need_dX)
        for index in range(len(self.layers) - 2, -1, -1):
            dA = self.layers[index].backward(dA, need_dX=index > 0)

    def _penalty(self):
        return sum(layer.penalty() for layer in self.layers)

    def _train_step(self, xb, yb, recorder=None, weights=None):
        A = self._forward(xb, training=True)
        loss_value = self._loss_value(yb, A, weights) + self._penalty()
        self._backward(yb, A, weights)
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
    def fit(self, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1, *,
            rng=None, diagnostics=False):
        """Train by mini-batch gradient descent; returns a :class:`gdkit.callbacks.History`.

        The arguments are Keras 3's, with the same meaning and defaults, plus ``rng`` and ``diagnostics``.

        Parameters
        ----------
        x : ndarray, shape (N, D), or (N, d1, d2, ...) when the first layer is ``Flatten``
        y : ndarray, shape (N,) or (N, K)
            Binary labels, regression targets, integer class labels, or one-hot rows.
        batch_size : int or None
            Examples per step; ``None`` means 32, as in Keras. For full-batch gradient descent pass
            ``batch_size=len(x)`` (any value >= N); 1 is stochastic gradient descent.
        epochs : int
            Train until this epoch number (counted from 0 at ``initial_epoch``, as Keras).
        verbose : {"auto", 0, 1, 2}
            0 silent, 1 (and "auto") a progress bar per epoch, 2 one line per epoch, in Keras 3's format.
        callbacks : list of gdkit.callbacks.Callback, optional
        validation_split : float
            Fraction of the data held out for validation: the last ``N - floor(N (1 - s))`` examples, taken
            before shuffling (as Keras).
        validation_data : tuple (x_val, y_val) or (x_val, y_val, sample_weight_val), optional
        shuffle : bool
            Reshuffle the training examples every epoch.
        class_weight : dict {class index: weight}, optional
            Weight of each class's examples in the training loss (classes not listed: 1.0), as Keras.
        sample_weight : ndarray, shape (N,), optional
            Weight of each example in the training loss, ``loss = sum_n w_n l_n / N`` per batch, and in
            ``compile(weighted_metrics=...)`` (weighted means; plain ``metrics`` stay unweighted), as Keras. Not
            with ``class_weight``.
        initial_epoch : int
            Epoch at which to start (to resume a run): ``history.epoch`` starts there.
        steps_per_epoch, validation_steps : None
            For data generators in Keras; gdkit trains on arrays, whose epoch is ``ceil(N / batch_size)`` steps.
        validation_batch_size : int, optional
            Batch size of the validation pass; by default all validation examples at once (Keras uses
            ``batch_size``; the numbers are the same up to rounding, and one pass is faster in NumPy).
        validation_freq : int or list of int
            Validate every ``validation_freq`` epochs (or after the listed epochs, counted from 1); the
            ``val_...`` lists of the history then have one entry per validation, as in Keras.
        rng : int, Generator or None
            Randomness for shuffling; by default the model's own generator.
        diagnostics : bool
            Record per-layer gradient norms and activation statistics in ``history.diagnostics``.

        Notes
        -----
        If the loss becomes NaN or infinite, training stops at once with a
        :class:`gdkit.callbacks.TrainingDivergedWarning` naming the epoch; ``history.stopped_reason`` says why.
        Integer labels with ``loss="categorical_crossentropy"`` are accepted (as class indices) with a
        :class:`KerasPortabilityWarning`: Keras needs ``"sparse_categorical_crossentropy"`` for them.
        """
        self._require_compiled("fit")
        _refuse_steps("fit", steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
        verbose_argument, verbose = verbose, _check_verbose(verbose)
        x = self._prepare_x(x)
        y = self._prepare_y(y, len(x), warn=True)
        last = self.layers[-1].activation.name
        if self.loss.name.endswith("_from_logits") and last in ("sigmoid", "softmax"):
            warnings.warn(f"the loss {self.loss.name!r} expects logits (from_logits=True), but the last layer applies "
                          f"{last}: its outputs are probabilities, squashed a second time by the loss. Remove the "
                          f"activation of the last layer, or use the loss without from_logits.", UserWarning,
                          stacklevel=2)
        for layer in self.layers:
            if getattr(layer, "adapted", True) is False:
                warnings.warn(f"the Normalization layer {layer.name!r} was not adapted, so it passes its inputs through "
                              "unchanged (mean 0, variance 1), as in Keras. Call layer.adapt(x_train) before fit.",
                              UserWarning, stacklevel=2)
        weights = self._sample_weights(sample_weight, class_weight, y, len(x))
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}.")
        if validation_data is None and validation_split > 0:
            split_at = int(math.floor(len(x) * (1.0 - validation_split)))  # Keras's rule, to the last example
            if split_at == 0 or split_at == len(x):
                raise ValueError(f"validation_split={validation_split} leaves {split_at} training and "
                                 f"{len(x) - split_at} validation examples out of {len(x)}; both must be at least 1.")
            validation_data = (x[split_at:], y[split_at:], None if weights is None else weights[split_at:])
            x, y = x[:split_at], y[:split_at]
            weights = None if weights is None else weights[:split_at]
            if class_weight is not None:
                validation_data = validation_data[:2] + (None,)  # Keras applies class_weight to training only
        elif validation_data is not None:
            validation_data = self._prepare_validation_data(validation_data)
        n = len(x)
        batch_size = _check_batch_size(batch_size, "fit")
        if validation_batch_size is not None:
            validation_batch_size = _check_batch_size(validation_batch_size, "fit(validation_batch_size=...)")
        should_validate = _validation_schedule(validation_freq)
        initial_epoch, epochs = int(initial_epoch), int(epochs)
        rng = self.rng if rng is None else np.random.default_rng(rng)
        history, callbacks = History(), list(callbacks or [])
        steps = -(-n // batch_size)
        history.params = {"verbose": verbose_argument, "epochs": epochs, "steps": steps}  # "auto" stays, as Keras
        self.history, self.stop_training, self.stop_reason = history, False, None
        for callback in callbacks:
            callback.set_model(self)
            callback.set_params(dict(history.params))
            callback.on_train_begin(None)
        progress = _Progress(verbose, epochs, steps)
        recorder = _Diagnostics(self, x[:1000], history) if diagnostics else None
        last_logs = None
        for epoch in range(initial_epoch, epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch, None)
            progress.start_epoch(epoch)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, in words
                logs = self._train_epoch(epoch, x, y, weights, batch_size, shuffle, rng, progress, recorder, history,
                                         callbacks)
            if logs is None:  # diverged
                break
            validate = validation_data is not None and should_validate(epoch)
            self.validation_skipped = validation_data is not None and not validate
            if validate:
                val_logs = self._evaluate_logs(*validation_data, validation_batch_size, callbacks=callbacks)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
                logs = dict(sorted(logs.items()))  # Keras 3's logs: all keys in alphabetical order
            for callback in callbacks:  # first, as in Keras: they may add to the logs (e.g. "learning_rate")
                callback.on_epoch_end(epoch, logs)
            last_logs = logs
            history.record(epoch, logs)
            if recorder:
                with np.errstate(over="ignore", invalid="ignore"):
                    recorder.end_epoch()
            progress.end_epoch(logs)
            if self.stop_training:
                history.stopped_reason = self.stop_reason or f"stopped by a callback in epoch {epoch + 1}"
                progress.message(f"Stopped: {history.stopped_reason}.")
                break
        self.validation_skipped = False
        for callback in callbacks:
            callback.on_train_end(last_logs)
        return history

    def _prepare_validation_data(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val).")
        x_val = self._prepare_x(validation_data[0])
        y_val = self._prepare_y(validation_data[1], len(x_val))
        weights = None if len(validation_data) == 2 else self._sample_weights(validation_data[2], None, y_val,
                                                                                len(x_val))
        return x_val, y_val, weights

    def _sample_weights(self, sample_weight, class_weight, y, n):
        """Per-example weights (N,) from ``sample_weight`` or ``class_weight`` (Keras's rules), or None."""
        if sample_weight is not None and class_weight is not None:
            raise ValueError("fit: pass either sample_weight or class_weight, not both (as in Keras); to combine "
                             "them, multiply the class weights into sample_weight.")
        if class_weight is not None:
            if not isinstance(class_weight, dict):
                raise TypeError(f"class_weight must be a dict {{class index: weight}}, got "
                                f"{type(class_weight).__name__}.")
            labels = y.argmax(axis=1) if y.shape[1] > 1 else np.round(y[:, 0]).astype(np.int64)
            sample_weight = np.array([class_weight.get(int(label), 1.0) for label in labels])
        if sample_weight is None:
            return None
        weights = np.asarray(sample_weight, dtype=self.dtype)
        if weights.ndim == 2 and weights.shape[1] == 1:
            weights = weights[:, 0]
        if weights.shape != (n,):
            raise ValueError(f"sample_weight must have one weight per example, shape ({n},); got {weights.shape}.")
        _check_finite(weights, "sample_weight")
        if (weights < 0).any():
            raise ValueError("sample_weight must not be negative.")
        return weights

    def _train_epoch(self, epoch, x, y, weights, batch_size, shuffle, rng, progress, recorder, history, callbacks=()):
        """One pass over the training data; returns the epoch's logs, or None if the loss diverged. A callback may
        stop it after any batch (``model.stop_training = True``), as in Keras."""
        n = len(x)
        # Shuffle by gathering each batch through a permutation, rather than copying the whole data set once
        # per epoch (a fresh 376 MB array for 60,000 MNIST images in float64: page faults, about 10% of an epoch).
        order = rng.permutation(n) if shuffle and batch_size < n else None
        totals = _Totals(self.metrics, self._weighted_metric)
        for batch, start in enumerate(range(0, n, batch_size)):
            rows = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            xb, yb = x[rows], y[rows]
            wb = None if weights is None else weights[rows]
            for callback in callbacks:
                callback.on_train_batch_begin(batch, None)
            loss_value, A = self._train_step(xb, yb, recorder, wb)
            history.batch_loss.append(loss_value)
            if not np.isfinite(loss_value):
                self._stop_diverged(history, epoch, batch, loss_value, progress)
                return None
            totals.add(loss_value, yb, A, wb)
            progress.update(batch + 1, totals.logs())
            for callback in callbacks:
                callback.on_train_batch_end(batch, totals.logs())
            if self.stop_training:
                break
        return totals.logs()
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
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """The network's outputs for inputs ``x`` (N, D): shape (N, units of the last layer), in inference mode
        (``training=False``: no dropout, batch normalisation with its running averages).

        ``batch_size`` only sets how many rows go through at once, without changing the outputs; by default
        (``None``) all of them, so that every layer's ``output`` afterwards holds its activations for the whole
        of ``x`` (Keras uses batches of 32; its progress bar then counts ceil(N / 32) steps, gdkit's one).
        ``verbose=1`` or 2 shows Keras's progress bar (Keras shows it by default; gdkit stays quiet unless asked).
        ``callbacks`` get Keras's predict hooks (``on_predict_begin``, ``on_predict_batch_begin``,
        ``on_predict_batch_end`` with ``{"outputs": ...}``, ``on_predict_end``); ``steps`` is for Keras's data
        generators (a message says so).
        """
        _refuse_steps("predict", steps=steps)
        callbacks = _set_up_callbacks(callbacks, self)
        x = self._prepare_x(x)
        step = len(x) if batch_size is None else _check_batch_size(batch_size, "predict")
        progress = _Progress(_check_verbose(verbose), 1, -(-len(x) // step))
        progress.start_epoch(0)
        outputs = []
        for callback in callbacks:
            callback.on_predict_begin(None)
        for batch, start in enumerate(range(0, len(x), step)):
            for callback in callbacks:
                callback.on_predict_batch_begin(batch, None)
            outputs.append(self._forward(x[start:start + step], training=False))
            progress.update(batch + 1, {})
            for callback in callbacks:
                callback.on_predict_batch_end(batch, {"outputs": outputs[-1]})
        progress.end_epoch({})
        for callback in callbacks:
            callback.on_predict_end(None)
        return np.concatenate(outputs)

    def __call__(self, x, training=False):
        """The network's outputs for one batch ``x`` (N, D), as Keras's ``model(x, training=...)``.

        ``training=False`` (the default) is ``predict`` on one batch. ``training=True`` runs the layers as a training
        step does: dropout drops, batch normalisation normalises with *this batch's* statistics and updates its
        running averages. Use it for custom training code, not for predictions.
        """
        return self._forward(self._prepare_x(x), training=training)


    def _evaluate_logs(self, x, y, weights=None, batch_size=None, progress=None, callbacks=()):
        """Loss and metrics of prepared ``x``, ``y`` in batches (loss from logits when the output is fused, as in
        training), in Keras's alphabetical order; ``callbacks`` get Keras's test hooks."""
        step = len(x) if batch_size is None else batch_size
        totals = _Totals(self.metrics, self._weighted_metric)
        penalty = self._penalty()
        for callback in callbacks:
            callback.on_test_begin(None)
        for batch, start in enumerate(range(0, len(x), step)):
            xb, yb = x[start:start + step], y[start:start + step]
            wb = None if weights is None else weights[start:start + step]
            for callback in callbacks:
                callback.on_test_batch_begin(batch, None)
            A = self._forward(xb, training=False)
            totals.add(self._loss_value(yb, A, wb) + penalty, yb, A, wb)
            if progress:
                progress.update(batch + 1, totals.logs())
            for callback in callbacks:
                callback.on_test_batch_end(batch, totals.logs())
        logs = totals.logs()
        for callback in callbacks:
            callback.on_test_end(logs)
        return logs

    def evaluate(self, x, y, batch_size=None, verbose=0, sample_weight=None, steps=None, callbacks=None,
                 return_dict=False):
        """Loss (plus regularisation) on ``(x, y)``; with metrics, ``[loss, metric_1, ...]`` (the metrics in the
        order given to ``compile``), as in Keras. Runs in inference mode (``training=False``), as ``predict`` and
        the validation loss do.

        Parameters
        ----------
        x, y : ndarray
        batch_size : int or None
            Examples per evaluation step (default 32, as Keras); the numbers do not depend on it.
        verbose : {0, 1, 2, "auto"}
            Keras prints a progress bar by default; gdkit only when asked (1 or 2, Keras 3's format).
        sample_weight : ndarray, shape (N,), optional
            Weighted loss and weighted metrics, as in :meth:`fit`.
        steps : None
            For data generators in Keras; gdkit evaluates arrays, all of them (a message says so otherwise).
        callbacks : list of gdkit.callbacks.Callback, optional
            They get Keras's test hooks: ``on_test_begin``, ``on_test_batch_begin/end``, ``on_test_end``.
        return_dict : bool
            Return ``{"accuracy": ..., "loss": ...}`` (Keras's alphabetical order) instead of a list.
        """
        self._require_compiled("evaluate")
        _refuse_steps("evaluate", steps=steps)
        callbacks = _set_up_callbacks(callbacks, self)
        x = self._prepare_x(x)
        y = self._prepare_y(y, len(x))
        weights = self._sample_weights(sample_weight, None, y, len(x))
        step = _check_batch_size(batch_size, "evaluate")
        progress = _Progress(_check_verbose(verbose), 1, -(-len(x) // step))
        progress.start_epoch(0)
        logs = self._evaluate_logs(x, y, weights, step, progress, callbacks)
        progress.end_epoch(logs)
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[name] for name, _ in self.metrics]
        return values[0] if len(values) == 1 else values

    @property
    def metrics_names(self):
        """``["loss", <metric names in compile order>]``: the meaning of each entry :meth:`evaluate` returns.

        (Keras 2 gives the same list; Keras 3 gives ``["loss", "compile_metrics"]``.)
        """
        return ["loss"] + [name for name, _ in self.metrics]

    # ---- weights and description ------------------------------------------------------------------------
    def get_weights(self):
        """Copies of all the model's arrays, layer by layer (``[W_1, b_1, W_2, b_2, ...]`` for Dense layers), as
        Keras's ``model.get_weights()``; each layer's own are ``model.layers[i].get_weights()``."""
        return [w.copy() for layer in self.layers for w in layer.weights]

    def set_weights(self, weights):
        """Overwrite all the model's arrays (number and shapes as :meth:`get_weights`)."""
        own = [w for layer in self.layers for w in layer.weights]
        if len(weights) != len(own):
            raise ValueError(f"set_weights: the model has {len(own)} arrays, got {len(weights)}.")
        for param, value in zip(own, weights):
            if np.shape(value) != param.shape:
                raise ValueError(f"set_weights: shape {np.shape(value)} given for a parameter of shape {param.shape}.")
        for param, value in zip(own, weights):
            param[...] = value

    def save_weights(self, filepath):
        """Save all the model's arrays (:meth:`get_weights`) to a NumPy ``.npz`` file, e.g.
        ``"model.weights.npz"``; :meth:`load_weights` reads it back into a model of the same architecture.

        Keras 3 writes ``.weights.h5`` (HDF5, through h5py); gdkit uses NumPy's own format and asks for a name
        ending in ``.npz`` instead.
        """
        filepath = _weights_path(filepath)
        if not self.built:
            raise ValueError("save_weights: the model has no weights yet; fit it or build it first.")
        arrays = {f"{index:03d}_{layer.name}_{i}": w for index, layer in enumerate(self.layers)
                  for i, w in enumerate(layer.weights)}
        np.savez(filepath, **arrays)

    def load_weights(self, filepath):
        """Read arrays saved by :meth:`save_weights` into this model (same layers, same shapes)."""
        filepath = _weights_path(filepath)
        with np.load(filepath, allow_pickle=False) as data:
            weights = [data[key] for key in sorted(data.files)]
        if not self.built:
            raise ValueError("load_weights: build the model first (declare the input, e.g. Input(shape=(8,)) as its "
                             "first element, or call model.build(8)), so that its arrays exist.")
        self.set_weights(weights)

    def save(self, filepath, *args, **kwargs):
        """Keras saves the whole model (``.keras``); gdkit saves only the weights (this says so)."""
        raise NotImplementedError("gdkit does not save whole models (architecture and optimizer state), as Keras's "
                                  "model.save does. Save the weights with model.save_weights('model.weights.npz'); "
                                  "to restore, build the same Sequential in code and call "
                                  "model.load_weights('model.weights.npz').")

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
        """The number of trained parameters (weights and biases; not batch normalisation's running averages)."""
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print a table of layers, output shapes and parameter counts, drawn as Keras 3 draws it.

        As in Keras, a layer's ``Param #`` and the total include non-trainable arrays (batch normalisation's
        running averages), listed apart as ``Non-trainable params``; :meth:`count_params` counts the trained ones.
        The sizes in brackets are the arrays' own: 8 bytes a parameter in float64 (Keras's float32: 4). Keras 3 adds
        an ``Optimizer params`` line after training (the optimizer's slots); gdkit counts the model only.
        """
        widths = (31, 22, 13)  # Keras 3's columns in a notebook or an 80-column terminal (76 characters in all)

        def cell(text, width):
            lines = textwrap.wrap(text, width, break_long_words=False) or [""]
            return [line if len(line) <= width else line[:width - 1] + "\u2026" for line in lines]

        def row(texts, bar, right=(False, False, True)):
            cells = [cell(text, width) for text, width in zip(texts, widths)]
            height = max(len(c) for c in cells)
            return [bar + bar.join(f" {(c[i] if i < len(c) else ''):{'>' if r else '<'}{w}} "
                                   for c, w, r in zip(cells, widths, right)) + bar for i in range(height)]

        def rule(left, middle, right, line):
            return left + middle.join(line * (w + 2) for w in widths) + right

        rows = [f'Model: "{self.name}"', rule("\u250f", "\u2533", "\u2513", "\u2501")]
        rows += row(("Layer (type)", "Output Shape", "Param #"), "\u2503")
        rows.append(rule("\u2521", "\u2547", "\u2529", "\u2501"))
        for index, layer in enumerate(self.layers):
            if index:
                rows.append(rule("\u251c", "\u253c", "\u2524", "\u2500"))
            count = int(sum(w.size for w in layer.weights))
            shape = f"(None, {layer.output_dim})" if layer.built else "?"
            params = f"{count:,}" if layer.built or not layer.has_weights else "0 (unbuilt)"
            rows += row((f"{layer.name} ({type(layer).__name__})", shape, params), "\u2502")
        rows.append(rule("\u2514", "\u2534", "\u2518", "\u2500"))
        weights = self.weights
        total, total_bytes = sum(w.size for w in weights), sum(w.nbytes for w in weights)
        trainable, trainable_bytes = self.count_params(), sum(p.nbytes for p in self._params)
        rows += [f" Total params: {total:,} ({_readable_size(total_bytes)})",
                 f" Trainable params: {trainable:,} ({_readable_size(trainable_bytes)})",
                 f" Non-trainable params: {total - trainable:,} ({_readable_size(total_bytes - trainable_bytes)})"]
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


def _readable_size(size):
    """Bytes as Keras's summary writes them: ``"884.00 B"``, ``"1.05 KB"`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"


def _weights_path(filepath):
    filepath = str(filepath)
    if not filepath.endswith(".npz"):
        raise ValueError(f"gdkit saves weights in NumPy's .npz format, so the file name must end in .npz (e.g. "
                         f"'model.weights.npz'), got {filepath!r}. (Keras's .weights.h5 needs h5py, which gdkit "
                         "does not use.)")
    return filepath


def load_model(filepath, *args, **kwargs):
    """Keras's ``keras.models.load_model``: not in gdkit, which saves weights only (this says so)."""
    raise NotImplementedError("gdkit does not save or load whole models. Build the same Sequential in code, then "
                              "call model.load_weights(path) with a file written by model.save_weights(path).")


def _refuse_steps(method, **arguments):
    """Keras's ``steps``-type arguments are for data generators; gdkit takes arrays and always uses all of them."""
    for name, value in arguments.items():
        if value is not None:
            what = ("An epoch is ceil(N / batch_size) steps over all N examples; to train on fewer examples per epoch, "
                    "pass a slice of x and y." if method == "fit" else "To use fewer examples, pass a slice of x.")
            raise ValueError(f"{method}(..., {name}={value!r}): gdkit works on arrays, not data generators, so {name} "
                             f"is not supported. {what}")


def _set_up_callbacks(callbacks, model):
    callbacks = list(callbacks or [])
    for callback in callbacks:
        callback.set_model(model)
    return callbacks


def _check_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto', got "
                         f"{verbose!r}.")
    return int(verbose)


def _check_batch_size(batch_size, where):
    """``None`` means 32, as in Keras."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{where}: batch_size must be a positive integer (None means 32, as in Keras; len(x) is "
                         f"full-batch gradient descent), got {batch_size!r}.")
    return int(batch_size)


def _validation_schedule(validation_freq):
    """``epoch -> bool``: Keras's rule, an int k validates after every k-th epoch, a list after those epochs (from 1)."""
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(validation_freq, bool) and validation_freq >= 1:
        return lambda epoch: (epoch + 1) % int(validation_freq) == 0
    if isinstance(validation_freq, (list, tuple)):
        return lambda epoch: epoch + 1 in validation_freq
    raise ValueError(f"validation_freq must be a positive integer or a list of epoch numbers (from 1), got "
                     f"{validation_freq!r}.")


def _per_example_metric(metric, y, A):
    """Per-example values (N,) of a mean-type metric (for weighted metrics): vectorised for gdkit's metrics."""
    if metric is metrics_module.accuracy:
        metric = metrics_module.binary_accuracy if A.shape[1] == 1 else metrics_module.categorical_accuracy
    if metric is metrics_module.binary_accuracy:
        return np.mean((A > 0.5) == (y > 0.5), axis=1)
    if metric is metrics_module.categorical_accuracy:
        return (A.argmax(axis=1) == y.argmax(axis=1)).astype(float)
    if metric is metrics_module.mean_absolute_error:
        return np.mean(np.abs(A - y), axis=1)
    if metric is metrics_module.mean_squared_error:
        return np.mean((A - y) ** 2, axis=1)
    return np.array([metric(y[i:i + 1], A[i:i + 1]) for i in range(len(y))])


class _Totals:
    """Running means of the loss and the metrics over the batches of an epoch, weighted as Keras weights them:
    the loss by batch size, plain metrics by batch size, weighted metrics by the sample weights."""

    def __init__(self, metrics, weighted):
        self.metrics, self.weighted, self.count, self.loss_sum = metrics, weighted, 0, 0.0
        self.sums, self.weight_sum = [0.0] * len(metrics), 0.0

    def add(self, loss_value, y, A, weights=None):
        self.count += len(y)
        self.loss_sum += loss_value * len(y)
        for i, (_, metric) in enumerate(self.metrics):
            if weights is not None and self.weighted[i]:
                self.sums[i] += float(weights @ _per_example_metric(metric, y, A))
            else:
                self.sums[i] += metric(y, A) * len(y)
        self.weight_sum += len(y) if weights is None else float(weights.sum())

    def logs(self):
        """``{name: mean}``, sorted by name as Keras 3's logs are."""
        logs = {"loss": self.loss_sum / self.count}
        for (name, _), total, weighted in zip(self.metrics, self.sums, self.weighted):
            denominator = self.weight_sum if weighted else self.count
            logs[name] = total / denominator if denominator > 0 else 0.0
        return dict(sorted(logs.items()))


class _Progress:
    """Keras 3's progress output: ``Epoch i/E`` (when E > 1), then a bar (verbose=1) or one line at the end of
    the epoch (verbose=2), with the running means of the logs.

    The text is Keras 3's. Two differences, so that captured output and the book's pages stay short and plain:
    the colours (bold step count, green bar) are written only to a terminal (in plain text the part still to do
    is drawn thinner), and the bar is redrawn at most every 0.1 s from the start of the epoch (Keras: every
    0.05 s, and always after the first step).
    """

    WIDTH = 20

    def __init__(self, verbose, epochs, steps):
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        self.out = sys.stdout
        self.colour = bool(getattr(self.out, "isatty", lambda: False)())
        self.width = 0  # of the last line drawn, to blank it when the next one is shorter

    def start_epoch(self, epoch):
        self.t0 = time.perf_counter()
        self.last_draw, self.t_first = self.t0, None
        if self.verbose and self.epochs > 1:
            self.out.write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def _step_time(self, step, now):
        if step == 1 and self.t_first is None:
            self.t_first = now
        if self.t_first is not None and step > 1:
            return (now - self.t_first) / (step - 1)  # Keras leaves out the first step (often slow)
        return (now - self.t0) / max(step, 1)

    @staticmethod
    def _format_step_time(seconds):
        if seconds >= 1 or seconds == 0:
            return f"{seconds:.0f}s/step"
        if seconds >= 1e-3:
            return f"{seconds * 1e3:.0f}ms/step"
        return f"{seconds * 1e6:.0f}us/step"

    @staticmethod
    def _format_logs(logs, signed=True):
        return "".join(f" - {key}: {value:.4f}" if (abs(value) if signed else value) > 1e-3 else
                       f" - {key}: {value:.4e}" for key, value in logs.items())

    def _bar(self, step):
        count = f"{step:{len(str(self.steps))}d}/{self.steps}"
        done = int(self.WIDTH * step / self.steps) if self.steps else self.WIDTH
        if self.colour:
            green = f"\x1b[32m{'━' * done}\x1b[0m" if done else ""
            return f"\x1b[1m{count}\x1b[0m {green}\x1b[37m{'━' * (self.WIDTH - done)}\x1b[0m"
        return f"{count} {'━' * done}{'─' * (self.WIDTH - done)}"

    def _draw(self, text, end=""):
        visible = len(re.sub("\x1b\\[[0-9;]*m", "", text))
        self.out.write("\r" + text + " " * max(self.width - visible, 0) + end)
        self.out.flush()
        self.width = 0 if end else visible

    def update(self, step, logs):
        now = time.perf_counter()
        per_step = self._step_time(step, now)
        if self.verbose == 1 and step < self.steps and now - self.last_draw >= 0.1:
            self.last_draw = now
            eta = per_step * (self.steps - step)
            eta = f"{eta // 3600:.0f}:{eta % 3600 // 60:02.0f}:{eta % 60:02.0f}" if eta > 3600 else \
                f"{eta // 60:.0f}:{eta % 60:02.0f}" if eta > 60 else f"{eta:.0f}s"
            eta = f"\x1b[1m{eta}\x1b[0m" if self.colour else eta
            self._draw(f"{self._bar(step)} {eta} {self._format_step_time(per_step)}{self._format_logs(logs)}")

    def end_epoch(self, logs):
        if not self.verbose:
            return
        now = time.perf_counter()
        elapsed, per_step = now - self.t0, self._step_time(self.steps, now)
        if self.verbose == 1:
            seconds = f"\x1b[1m{elapsed:.0f}s\x1b[0m" if self.colour else f"{elapsed:.0f}s"
            self._draw(f"{self._bar(self.steps)} {seconds} {self._format_step_time(per_step)}"
                       f"{self._format_logs(logs)}", end="\n")
        else:
            self.out.write(f"{self.steps}/{self.steps} - {elapsed:.0f}s - {self._format_step_time(per_step)}"
                           f"{self._format_logs(logs, signed=False)}\n")
        self.out.flush()

    def message(self, text):
        if self.verbose:
            self.out.write(text + "\n")


__getattr__ = missing_name_getattr("models", __all__)  # a Keras name gdkit lacks gets an error that says so
