"""Layers for the Keras-shaped model API (chapters: forward propagation, training in practice).

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

__all__ = ["Dense", "Activation"]


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
