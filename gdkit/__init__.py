"""gdkit: the reference implementation of the course "Training neural networks by gradient descent".

Small NumPy modules, one idea each, in the order the book teaches them:

- :mod:`gdkit.activations`, :mod:`gdkit.losses`: functions with their derivatives (forward propagation, loss)
- :mod:`gdkit.nn`, :mod:`gdkit.gradcheck`: forward/backward pairs and gradient checking (backpropagation)
- :mod:`gdkit.optimizers`, :mod:`gdkit.schedules`, :mod:`gdkit.clipping`, :mod:`gdkit.landscapes`:
  gradient descent and its descendants, on test functions and on networks
- :mod:`gdkit.training`: a mini-batch training loop written out (gradient descent)
- :mod:`gdkit.initializers`, :mod:`gdkit.diagnostics`, :mod:`gdkit.regularizers`: initialisation, health checks
  of a training run, weight penalties
- :mod:`gdkit.layers`, :mod:`gdkit.models`, :mod:`gdkit.callbacks`, :mod:`gdkit.metrics`, :mod:`gdkit.utils`: a
  Keras-shaped API (``gdkit.Sequential``, ``gdkit.Input``, as ``keras.Sequential``, ``keras.Input``)
- :mod:`gdkit.problems`: each student's own data for the exercises' concept questions
- :mod:`gdkit.tuning`: honest comparisons (runs over seeds, a learning rate tuned per method)
- :mod:`gdkit.datasets`, :mod:`gdkit.surfaces`, :mod:`gdkit.plotting`: data, loss landscapes and figures

``import gdkit`` costs little more than importing NumPy: plotting (matplotlib) loads only when used.
"""
from . import (activations, callbacks, clipping, datasets, diagnostics, gradcheck, initializers, landscapes, layers,
               losses, metrics, models, nn, optimizers, problems, regularizers, schedules, surfaces, training,
               tuning, utils)
from .layers import Input
from .models import Sequential

__version__ = "0.1.0"


def __getattr__(name):
    # Plotting imports matplotlib (0.4 s); load it on first use of gdkit.plotting.
    if name == "plotting":
        import importlib
        return importlib.import_module(".plotting", __name__)
    from ._keras_names import KerasNameError
    raise KerasNameError("", name, __all__)  # a Keras name (Model, ops, ...) gets an error that says gdkit lacks it


__all__ = ["Input", "Sequential", "activations", "callbacks", "clipping", "datasets", "diagnostics", "gradcheck",
           "initializers", "landscapes", "layers", "losses", "metrics", "models", "nn", "optimizers", "plotting",
           "problems", "regularizers", "schedules", "surfaces", "training", "tuning", "utils"]
