"""The two Keras tutorial snippets from the course's motivating issue run with only the import changed, and learn.

The model code below is verbatim (no seed: the snippets have none), so the assertions leave wide margins. Over
25 unseeded runs the worst cases were: first snippet, final/first loss 0.002 (asserted < 0.3), training
accuracy 1.0 (> 0.95), accuracy on new data 0.97 (> 0.9); second snippet, loss ratio 0.10 (< 0.5), accuracy
0.99 (> 0.8). A model that does not learn (chance accuracy, flat loss) fails them.
"""
import numpy as np

import gdkit


def pima_like_data(seed=0):
    """768 x 8 binary data from a known rule, the shape of the Pima Indians diabetes set the tutorial uses."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(768, 8))
    Y = (X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5, 0.0, -1.0, 0.5]) + 0.3 > 0).astype(float)
    return X, Y


def four_blobs(n=800, input_size=10, seed=0):
    """A 4-class problem: Gaussian clusters around 4 random centres, labels one-hot."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(4, input_size))
    labels = rng.integers(0, 4, size=n)
    X = centres[labels] + rng.normal(size=(n, input_size))
    return X, np.eye(4)[labels], labels


def test_keras_first_network_tutorial(capsys):
    """'Your first deep learning project in Python with Keras', with `keras` replaced by `gdkit`."""
    X, Y = pima_like_data()
    # ---- verbatim apart from the import ----
    from gdkit.models import Sequential
    from gdkit.layers import Dense
    model = Sequential()
    model.add(Dense(12, input_dim=8, activation='relu'))
    model.add(Dense(8, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    model.fit(X, Y, epochs=150, batch_size=10)
    # ----------------------------------------
    out = capsys.readouterr().out
    assert "Epoch 1/150" in out and "Epoch 150/150" in out and "77/77" in out
    history = model.history.history
    assert history["loss"][-1] < 0.3 * history["loss"][0], "the loss should fall a lot over 150 epochs"
    assert history["accuracy"][-1] > 0.95, "a learnable rule: training accuracy far above chance (about 0.5)"
    _, accuracy = model.evaluate(X, Y)
    assert accuracy > 0.95
    X_new, Y_new = pima_like_data(seed=1)
    assert model.evaluate(X_new, Y_new)[1] > 0.9, "it should generalise to new data from the same rule"


def test_keras_softmax_classifier_snippet(capsys):
    """The multi-class snippet with gdkit.Sequential([...]) and input_shape, SGD and one-hot labels."""
    X_train, y_train, labels = four_blobs()
    input_size, output_size = X_train.shape[1], y_train.shape[1]
    # ---- verbatim apart from the import ----
    model = gdkit.Sequential([
        gdkit.layers.Dense(64, activation='relu', input_shape=(input_size,)),
        gdkit.layers.Dense(32, activation='relu'),
        gdkit.layers.Dense(output_size, activation='softmax')])
    model.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(X_train, y_train, epochs=10, batch_size=32)
    # ----------------------------------------
    out = capsys.readouterr().out
    assert "Epoch 10/10" in out and "25/25" in out
    history = model.history.history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8, "chance is 0.25"
    probabilities = model.predict(X_train)
    assert probabilities.shape == (800, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert np.mean(probabilities.argmax(axis=1) == labels) > 0.8
