"""Layers for the Keras-shaped model API (chapters: forward propagation, normalisation and regularisation,
training in practice).

``Dense(units, activation=...)`` is a thin class over :func:`gdkit.nn.dense_forward` /
:func:`gdkit.nn.dense_backward` and the activation pairs of :mod:`gdkit.activations`: the same functions the
chapters derive and the exercises ask for. Like Keras, a layer builds its weights on first use from the
input's last dimension, unless ``input_dim`` / ``input_shape`` says it up front.

Every layer has ``forward(X, training=False) -> A`` (remembering what backward needs), ``backward(dA) -> dX``
(filling ``grads``), and lists ``params`` and ``grads`` in the same order. ``training`` says which mode the
layer runs in, as Keras's ``layer(x, training=...)``: :class:`gdkit.models.Sequential` passes ``training=True``
while it trains (``fit``, ``train_on_batch``, ``compute_gradients``) and ``False`` in ``predict``, ``evaluate``
and validation. Dense and Activation compute the same in both modes; layers that behave differently at training
and at inference time (batch normalisation, dropout) read it. As in Keras, ``get_weights()`` / ``set_weights()``
read and write a layer's arrays, ``Flatten`` turns images into feature vectors, and ``Input(shape=...)`` may open
a ``Sequential`` list.
"""
import numpy as np

from . import activations, initializers, nn, regularizers
from ._keras_names import missing_name_getattr

__all__ = ["Dense", "Activation", "BatchNormalization", "Dropout", "Flatten", "Normalization", "Input",
           "InputLayer"]


class Layer:
    """What :class:`gdkit.models.Sequential` needs from a layer."""

    name = None
    input_dim = None
    input_ndim = 1  # the layer takes (N, features); Flatten takes any (N, d1, d2, ...)
    has_weights = True  # False for layers that never have any (Keras builds those at once: summary shows 0)

    def __init__(self, activation=None, name=None):
        self.activation = activations.get(activation)
        self.name = name
        self.built = False
        self.params, self.grads = [], []
        self._Z = self._A = None

    def build(self, input_dim, rng, dtype):
        self.input_dim, self.output_dim, self.built = input_dim, input_dim, True

    def penalty(self):
        """Regularisation added to the loss (0 for layers without a regularizer)."""
        return 0.0

    def forward(self, X, training=False):
        """Compute the layer's output ``A`` for a batch ``X`` of shape (N, input_dim).

        ``training`` is True while the model trains and False (the default) for inference; Dense and Activation
        ignore it.
        """
        self._Z = self._linear_forward(X)
        self._A = self.activation(self._Z)
        return self._A

    def backward(self, dA, need_dX=True):
        """Given dL/dA, fill ``self.grads`` and return dL/dX (None when ``need_dX`` is False)."""
        return self.backward_from_z(self.activation.backward(dA, self._Z, self._A), need_dX)

    def backward_from_z(self, dZ, need_dX=True):
        """Backward pass given dL/dZ directly (used when the output activation is folded into the loss)."""
        return dZ

    def _linear_forward(self, X):
        return X

    @property
    def pre_activation(self):
        """``Z`` of the last forward pass."""
        return self._Z

    @property
    def output(self):
        """``A`` of the last forward pass."""
        return self._A

    def count_params(self):
        return int(sum(p.size for p in self.params))

    @property
    def declared_input_shape(self):
        """The per-example input shape given when the layer was made (``input_dim=8`` gives ``(8,)``), else None."""
        return None if self.input_dim is None or self.built else (self.input_dim,)

    @property
    def weights(self):
        """The layer's arrays, live (not copies), in :meth:`get_weights` order: ``params`` for most layers."""
        return list(self.params)

    def get_weights(self):
        """Copies of the layer's arrays, as Keras's ``layer.get_weights()`` (``[W, b]`` for Dense)."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        """Overwrite the layer's arrays in place (same number and shapes as :meth:`get_weights`)."""
        own = self.weights
        if not self.built:
            raise ValueError(f"layer {self.name!r} has no weights yet: it is built on the first call of fit or "
                             "predict, or when the model's first layer declares input_dim/input_shape.")
        if len(weights) != len(own):
            raise ValueError(f"layer {self.name!r} has {len(own)} weight arrays "
                             f"({', '.join(str(w.shape) for w in own)}), got {len(weights)}.")
        for index, (param, value) in enumerate(zip(own, weights)):
            if np.shape(value) != param.shape:
                raise ValueError(f"layer {self.name!r}: weight {index} has shape {param.shape}, got an array of shape "
                                 f"{np.shape(value)}.")
        for param, value in zip(own, weights):
            param[...] = value

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, InputLayer):
            raise TypeError("gdkit has Keras's Sequential API but not its functional API (layer(inputs), "
                            "keras.Model(inputs, outputs)). Write the same network as "
                            "Sequential([Input(shape=...), Dense(...), ...]).")
        raise TypeError(f"call a model, not a layer: put {type(self).__name__} in a Sequential and use "
                        "model.predict(x) (or model(x)).")


class Dense(Layer):
    r"""Fully connected layer :math:`A = f(XW + b)`.

    Parameters
    ----------
    units : int
        Number of output units M.
    activation : str or gdkit.activations.Activation, optional
        ``None`` means linear, as in Keras.
    input_dim : int, optional
        Number of input features D (Keras's ``input_dim=8``); or ``input_shape=(D,)``.
    kernel_initializer : str or callable
        Default ``"glorot_uniform"`` (Keras's default); ``"he_normal"`` suits ReLU.
    bias_initializer : str or callable
    kernel_regularizer : gdkit.regularizers.L1L2 or name, optional
    name : str, optional

    Attributes
    ----------
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)
    """

    def __init__(self, units, activation=None, *, input_dim=None, input_shape=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 name=None):
        super().__init__(activation, name)
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}.")
        if input_shape is not None:
            if len(input_shape) != 1:
                raise ValueError(f"Dense: input_shape must be (D,), one feature axis, got {input_shape}. "
                                 "Flatten images first, e.g. X.reshape(len(X), -1).")
            input_dim = input_shape[0]
        self.units, self.input_dim, self.use_bias = int(units), input_dim, use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_dim, rng, dtype=np.float64):
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"{self.name or 'Dense'}: declared input_dim={self.input_dim} but receives inputs with "
                             f"{input_dim} features.")
        self.input_dim, self.output_dim = int(input_dim), self.units
        self.W = np.ascontiguousarray(self.kernel_initializer((self.input_dim, self.units), rng=rng, dtype=dtype))
        self.b = np.asarray(self.bias_initializer((self.units,), rng=rng, dtype=dtype)) if self.use_bias \
            else np.zeros(self.units, dtype=dtype)
        self.params = [self.W, self.b] if self.use_bias else [self.W]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.built = True

    def _linear_forward(self, X):
        Z, self._cache = nn.dense_forward(X, self.W, self.b, layer=self.name)
        return Z

    def backward_from_z(self, dZ, need_dX=True):
        dX, dW, db = nn.dense_backward(dZ, self._cache, need_dX)
        if self.kernel_regularizer is not None:
            dW += self.kernel_regularizer.grad(self.W)
        self.grads[0] = dW
        if self.use_bias:
            self.grads[1] = db
        return dX

    def penalty(self):
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer(self.W)

    @property
    def kernel(self):
        """Keras's name for ``W``."""
        return self.W

    @property
    def bias(self):
        """Keras's name for ``b``."""
        return self.b

    def __repr__(self):
        return f"Dense({self.units}, activation={self.activation.name!r})"


class Activation(Layer):
    """A layer that only applies an activation, as ``keras.layers.Activation('relu')``."""

    has_weights = False

    def __repr__(self):
        return f"Activation({self.activation.name!r})"


class BatchNormalization(Layer):
    r"""Batch normalisation of each feature, as ``keras.layers.BatchNormalization`` on (N, D) inputs.

    A thin class over :func:`gdkit.nn.batchnorm_forward` / :func:`gdkit.nn.batchnorm_backward`. In training mode
    it normalises with the statistics of the batch and folds them into running averages; at inference
    (``predict``, ``evaluate``, validation) it normalises with the running averages.

    Parameters
    ----------
    momentum : float in [0, 1], default 0.99
        Keras's convention, the weight of the *old* running average:
        ``moving_mean = momentum * moving_mean + (1 - momentum) * batch_mean``. PyTorch's ``momentum`` is the
        weight of the *new* batch: ``torch.nn.BatchNorm1d(momentum=0.1)`` is ``momentum=0.9`` here.
    epsilon : float > 0, default 1e-3
        Keras's default (PyTorch's is 1e-5).
    name : str, optional

    Attributes
    ----------
    gamma, beta : ndarray, shape (D,)
        Trainable scale (initialised to 1) and shift (0); ``params == [gamma, beta]``.
    moving_mean, moving_variance : ndarray, shape (D,)
        Running averages (initialised to 0 and 1), not trained by gradient descent.

    Notes
    -----
    The running variance averages the *biased* batch variance (divided by N), the one the batch was
    normalised with, as Keras does. PyTorch averages the unbiased one (divided by N - 1) instead, while also
    normalising with the biased one; the two running variances differ by a factor N / (N - 1) in each
    batch's contribution (3 % for batches of 32).

    Put it between a layer's affine part and its nonlinearity, as Ioffe & Szegedy (2015) do:
    ``Dense(64, use_bias=False), BatchNormalization(), Activation("relu")`` (``beta`` makes the bias redundant).
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, *, name=None):
        super().__init__(None, name)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1] (Keras's convention, the weight of "
                             f"the old running average; torch's momentum=m is 1-m here), got {momentum!r}.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(f"BatchNormalization: epsilon must be a number > 0, got {epsilon!r}.")
        self.momentum, self.epsilon = float(momentum), float(epsilon)

    def build(self, input_dim, rng, dtype=np.float64):
        self.input_dim = self.output_dim = int(input_dim)
        self.gamma = np.ones(self.input_dim, dtype=dtype)
        self.beta = np.zeros(self.input_dim, dtype=dtype)
        self.moving_mean = np.zeros(self.input_dim, dtype=dtype)
        self.moving_variance = np.ones(self.input_dim, dtype=dtype)
        self.params = [self.gamma, self.beta]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.built = True

    @property
    def weights(self):
        """``[gamma, beta, moving_mean, moving_variance]``, live, as Keras's ``get_weights()`` order: the running
        averages are saved, restored (``EarlyStopping(restore_best_weights=True)``) and loaded with the rest, but
        only ``gamma`` and ``beta`` are trained (``params``)."""
        return [self.gamma, self.beta, self.moving_mean, self.moving_variance] if self.built else []

    def forward(self, X, training=False):
        """Normalise with the batch's statistics and update the running averages (``training=True``), or
        normalise with the running averages (``training=False``)."""
        Y, self._cache = nn.batchnorm_forward(X, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                              training=training, epsilon=self.epsilon)
        if training:
            self.moving_mean[...] = nn.moving_average_update(self.moving_mean, self._cache.mean, self.momentum)
            self.moving_variance[...] = nn.moving_average_update(self.moving_variance, self._cache.var,
                                                                 self.momentum)
        self._Z = self._A = Y
        return Y

    def backward(self, dA, need_dX=True):
        return self.backward_from_z(dA, need_dX)  # no activation to go through

    def backward_from_z(self, dZ, need_dX=True):
        dX, self.grads[0], self.grads[1] = nn.batchnorm_backward(dZ, self._cache, need_dX)
        return dX

    def __repr__(self):
        return f"BatchNormalization(momentum={self.momentum}, epsilon={self.epsilon})"


class Dropout(Layer):
    """Inverted dropout, as ``keras.layers.Dropout(rate)``: active only in training mode.

    A thin class over :func:`gdkit.nn.dropout_forward` / :func:`gdkit.nn.dropout_backward`. While the model trains,
    each entry is zeroed with probability ``rate`` and the survivors are scaled by ``1 / (1 - rate)``; in
    ``predict``, ``evaluate`` and validation the layer passes its input through unchanged.

    Parameters
    ----------
    rate : float in [0, 1)
        The fraction of units dropped (Keras's ``rate``, torch's ``p``).
    seed : int or numpy Generator, optional
        Source of the masks. By default the model's own generator (the ``rng`` of ``Sequential``), so the same
        model seed gives the same masks.
    name : str, optional
    """

    has_weights = False

    def __init__(self, rate, seed=None, *, name=None):
        super().__init__(None, name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate is the fraction of units dropped and must be in [0, 1), got {rate!r} "
                             "(Keras's rate and torch's p; 0.5 drops half).")
        self.rate, self.seed, self._rng = float(rate), seed, None

    def build(self, input_dim, rng, dtype=np.float64):
        self.input_dim = self.output_dim = int(input_dim)
        self._rng = np.random.default_rng(rng if self.seed is None else self.seed)
        self.built = True

    def forward(self, X, training=False):
        """Drop and rescale (``training=True``) or pass through (``training=False``)."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        Y, self._cache = nn.dropout_forward(X, self.rate, self._rng, training=training)
        self._Z = self._A = Y
        return Y

    def backward(self, dA, need_dX=True):
        return self.backward_from_z(dA, need_dX)  # no activation to go through

    def backward_from_z(self, dZ, need_dX=True):
        return nn.dropout_backward(dZ, self._cache)

    def __repr__(self):
        return f"Dropout({self.rate})"


def _shape_tuple(shape, where):
    """A per-example shape as a tuple of positive ints (an int n means (n,))."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not shape or not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
        raise ValueError(f"{where}: the shape of one example must be positive integers, e.g. (8,) or (28, 28), "
                         f"without the batch axis; got {shape!r}.")
    return tuple(int(d) for d in shape)


class Flatten(Layer):
    """Reshape each example to one feature vector, (N, d1, d2, ...) -> (N, d1 * d2 * ...), as
    ``keras.layers.Flatten()``: the first layer of an MLP on images.

    Parameters
    ----------
    input_shape : tuple of int, optional
        The shape of one example, e.g. ``(28, 28)`` (Keras 2 style; or start the model with ``Input(shape=...)``).
    name : str, optional
    """

    input_ndim = None  # accepts examples of any shape

    def __init__(self, data_format=None, *, input_shape=None, name=None):
        super().__init__(None, name)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten: only data_format='channels_last' (the default) is supported, got "
                             f"{data_format!r}.")
        self._declared = None if input_shape is None else _shape_tuple(input_shape, "Flatten(input_shape=...)")

    @property
    def declared_input_shape(self):
        return None if self.built else self._declared

    def build(self, input_shape, rng=None, dtype=np.float64):
        self.input_shape = _shape_tuple(input_shape, self.name or "Flatten")
        self.input_dim, self.output_dim = self.input_shape, int(np.prod(self.input_shape))
        self.built = True

    def forward(self, X, training=False):
        """``X.reshape(N, -1)``."""
        self._Z = self._A = X.reshape(len(X), -1)
        return self._A

    def backward_from_z(self, dZ, need_dX=True):
        return dZ.reshape((len(dZ),) + self.input_shape) if need_dX else None

    def __repr__(self):
        return "Flatten()"


class Normalization(Layer):
    r"""Standardise each feature with statistics of the training data, as ``keras.layers.Normalization``:
    ``(x - mean) / max(sqrt(variance), 1e-7)``, the mean and (biased) variance computed by :meth:`adapt`.

    The first layer of Keras's regression tutorials::

        normalizer = layers.Normalization(axis=-1)
        normalizer.adapt(train_features)          # the statistics of the training data only
        model = Sequential([normalizer, layers.Dense(64, activation="relu"), layers.Dense(1)])

    Parameters
    ----------
    axis : -1 or None
        -1 (default): one mean and variance per feature (column); None: one for the whole array.
    mean, variance : float or array of shape (D,), optional
        Give the statistics instead of calling :meth:`adapt` (the layer then has no weights, as in Keras).
    invert : bool
        Undo the normalisation instead: ``mean + x * max(sqrt(variance), 1e-7)``.
    input_shape : tuple (D,), optional
    name : str, optional

    Attributes
    ----------
    mean, variance : ndarray, shape (D,) (or () with ``axis=None``)
        Not trained by gradient descent; with ``count`` (examples seen by ``adapt``), the layer's ``weights``, as
        Keras's ``[mean, variance, count]`` (``summary`` counts them as non-trainable parameters).

    Notes
    -----
    Without :meth:`adapt` (and without ``mean``/``variance``) the layer passes inputs through unchanged (mean 0,
    variance 1), as in Keras; ``fit`` warns about it.
    """

    has_weights = True
    EPSILON = 1e-7  # Keras's backend.epsilon()

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, *, input_shape=None, input_dim=None,
                 name=None):
        super().__init__(None, name)
        if axis not in (-1, None):
            raise ValueError(f"Normalization: gdkit supports axis=-1 (one mean and variance per feature) or axis=None "
                             f"(one for the whole array) on inputs of shape (N, features), got axis={axis!r}.")
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither (and call adapt).")
        if input_shape is not None:
            input_dim = _shape_tuple(input_shape, "Normalization(input_shape=...)")
            if len(input_dim) != 1:
                raise ValueError(f"Normalization: input_shape must be (D,), got {input_shape}; put it after "
                                 "layers.Flatten() for images.")
            input_dim = input_dim[0]
        self.axis, self.invert = axis, bool(invert)
        self._given = None if mean is None else (np.asarray(mean, dtype=float), np.asarray(variance, dtype=float))
        if self._given is not None and axis == -1 and self._given[0].ndim == 1 and input_dim is None:
            input_dim = len(self._given[0])  # one mean per feature: the number of features is known
        self.input_dim = input_dim
        self._adapted = None

    def adapt(self, data):
        """Compute the mean and the biased variance of ``data`` (N, D): per column, or of everything with
        ``axis=None``. Call it with the training data only, before ``fit``."""
        if self._given is not None:
            raise ValueError("Normalization: adapt() cannot be used when mean and variance were given.")
        data = np.asarray(data, dtype=float)
        if data.ndim != 2 or len(data) == 0:
            raise ValueError(f"Normalization.adapt expects data of shape (N, features) with N >= 1, got {data.shape}.")
        if not np.isfinite(data).all():
            raise ValueError("Normalization.adapt: the data contain NaN or infinite values; remove or impute them "
                             "first.")
        axis = 0 if self.axis == -1 else None
        self._adapted = (data.mean(axis=axis), data.var(axis=axis), len(data))
        if self.built:
            if self.axis == -1 and data.shape[1] != self.input_dim:
                raise ValueError(f"Normalization.adapt: the layer takes {self.input_dim} features, the data have "
                                 f"{data.shape[1]}.")
            self.mean[...], self.variance[...], self.count[...] = self._adapted
        else:  # built at once, as Keras's: get_weights() works, and a model starting with it knows its input
            self.input_dim = None
            self.build(data.shape[1])

    def build(self, input_dim, rng=None, dtype=np.float64):
        if self.axis == -1 and self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"{self.name or 'Normalization'}: adapted to (or declared with) {self.input_dim} features "
                             f"but receives inputs with {input_dim}.")
        self.input_dim = self.output_dim = int(input_dim)
        shape = (self.input_dim,) if self.axis == -1 else ()
        mean, variance, count = self._given + (0,) if self._given else self._adapted or (0.0, 1.0, 0)
        self.mean = np.array(np.broadcast_to(mean, shape), dtype=dtype)  # a copy, also of shape ()
        self.variance = np.array(np.broadcast_to(variance, shape), dtype=dtype)
        self.count = np.array(count, dtype=np.int64)
        self.built = True

    @property
    def adapted(self):
        """True once :meth:`adapt` ran or ``mean``/``variance`` were given."""
        return self._adapted is not None or self._given is not None

    @property
    def weights(self):
        """``[mean, variance, count]``, live, as Keras's (none when ``mean``/``variance`` were given)."""
        return [self.mean, self.variance, self.count] if self.built and self._given is None else []

    def _scale(self):
        return np.maximum(np.sqrt(self.variance), self.EPSILON)

    def forward(self, X, training=False):
        """``(X - mean) / max(sqrt(variance), 1e-7)`` (or its inverse), the same in training and inference."""
        A = self.mean + X * self._scale() if self.invert else (X - self.mean) / self._scale()
        self._Z = self._A = A.astype(X.dtype, copy=False)  # the model's precision (adapt keeps float64 statistics)
        return self._A

    def backward_from_z(self, dZ, need_dX=True):
        if not need_dX:
            return None
        return (dZ * self._scale() if self.invert else dZ / self._scale()).astype(dZ.dtype, copy=False)

    def backward(self, dA, need_dX=True):
        return self.backward_from_z(dA, need_dX)

    def __repr__(self):
        return f"Normalization(axis={self.axis})"


class InputLayer(Layer):
    """What ``Input(shape=...)`` returns: declares the shape of one example at the start of a ``Sequential``.

    It is not a layer of the model (``model.layers`` starts with the next one, as in Keras) and has no weights.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, *, input_shape=None, name=None, **kwargs):
        super().__init__(None, name)
        shape = input_shape if shape is None else shape
        if shape is None:
            raise ValueError("Input needs the shape of one example, e.g. Input(shape=(8,)) for 8 features.")
        if kwargs.get("sparse") or kwargs.get("ragged"):
            raise ValueError("Input: sparse and ragged inputs are not supported in gdkit.")
        self.shape = _shape_tuple(shape, "Input(shape=...)")

    @property
    def declared_input_shape(self):
        return self.shape

    def __repr__(self):
        return f"Input(shape={self.shape})"


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """``keras.Input(shape=(8,))``: put it first in a ``Sequential`` list to declare the input's shape.

    Parameters
    ----------
    shape : tuple of int
        The shape of one example, without the batch axis: ``(8,)`` for 8 features, ``(8, 8)`` for an 8x8 image
        (then ``Flatten()`` must follow).
    batch_shape : tuple, optional
        Keras's alternative, with the batch axis first: ``(None, 8)``.
    """
    if shape is None and batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    return InputLayer(shape, batch_size, dtype, name=name, sparse=sparse)


__getattr__ = missing_name_getattr("layers", __all__)  # a Keras name gdkit lacks gets an error that says so
