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
and at inference time (batch normalisation, dropout) read it.
"""
import numpy as np

from . import activations, initializers, nn, regularizers

__all__ = ["Dense", "Activation", "BatchNormalization", "Dropout"]


class Layer:
    """What :class:`gdkit.models.Sequential` needs from a layer."""

    name = None
    input_dim = None

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

    def __repr__(self):
        return f"Dense({self.units}, activation={self.activation.name!r})"


class Activation(Layer):
    """A layer that only applies an activation, as ``keras.layers.Activation('relu')``."""

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
