"""Student-style answers to 07_practice: one wrong answer per catalogued misconception, several right ones."""
import numpy as np
from _entries import buggy, correct


# ---- L2 penalty -------------------------------------------------------------------------------------------------
@buggy("test_l2_penalty", "(lambda/2)·sum(W^2) convention")
def l2_half(W, lam):
    return lam / 2 * float(np.sum(W ** 2))


@buggy("test_l2_penalty", "averaged the squared weights")
def l2_mean(W, lam):
    return lam * float((W ** 2).mean())


@buggy("test_l2_penalty", "you used the norm ||W||")
def l2_norm(W, lam):
    return lam * np.linalg.norm(W)


@buggy("test_l2_penalty", "L1 penalty")
def l2_abs(W, lam):
    return lam * np.abs(W).sum()


@correct("test_l2_penalty")
def l2_vdot(W, lam):
    return float(lam * np.vdot(W, W))


@correct("test_l2_penalty")
def l2_loop(W, lam):
    total = 0.0
    for w in np.ravel(W):
        total += float(w) ** 2
    return lam * total


@buggy("test_l2_penalty_grad", "gradient of (lambda/2)")
def l2_grad_no_two(W, lam):
    return lam * W


@buggy("test_l2_penalty_grad", "wrong sign")
def l2_grad_sign(W, lam):
    return -2 * lam * W


@buggy("test_l2_penalty_grad", "L1 subgradient")
def l2_grad_sign_of_w(W, lam):
    return lam * np.sign(W)


@correct("test_l2_penalty_grad")
def l2_grad_sum(W, lam):
    return lam * W + lam * W


@correct("test_l2_penalty_grad")
def l2_grad_copy(W, lam):
    grad = np.array(W, dtype=float, copy=True)
    grad *= 2 * lam
    return grad


# ---- train_and_predict ------------------------------------------------------------------------------------------
@buggy("test_train_and_predict", "predicts (almost) the same class")
def train_without_standardising(X_train, y_train, X_test):
    # No training at all: the most common class for everyone.
    values, counts = np.unique(y_train, return_counts=True)
    return np.full(len(X_test), values[np.argmax(counts)])


@buggy("test_train_and_predict", "at least 85%")
def train_one_epoch_sgd(X_train, y_train, X_test):
    # Far too little training on raw features: a tiny learning rate and a single pass.
    from gdkit import Sequential
    from gdkit.layers import Dense
    model = Sequential([Dense(int(y_train.max()) + 1, activation="softmax")], rng=3)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(X_train, y_train, epochs=1, batch_size=len(X_train), verbose=0)
    return model.predict(X_test).argmax(axis=1)


@buggy("test_train_and_predict", "Standardise the inputs (fit on the training data only)")
def train_without_standardising_adam(X_train, y_train, X_test):
    # The chapter's network and optimizer, well trained, but on the raw inputs: the hidden data sets put the
    # classes in features of scale 0.001-0.03 beside noise features of scale 100-3000.
    from gdkit import Sequential
    from gdkit.layers import Dense
    model = Sequential([Dense(16, activation="relu"), Dense(int(y_train.max()) + 1, activation="softmax")], rng=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(X_train, y_train, epochs=100, batch_size=16, verbose=0)
    return model.predict(X_test).argmax(axis=1)


@buggy("test_train_and_predict", "for class probabilities of shape (N, K), take the argmax")
def train_returns_probabilities(X_train, y_train, X_test):
    from gdkit import Sequential
    from gdkit.datasets import Standardizer
    from gdkit.layers import Dense
    scaler = Standardizer().fit(X_train)
    model = Sequential([Dense(int(y_train.max()) + 1, activation="softmax")], rng=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(scaler.transform(X_train), y_train, epochs=20, verbose=0)
    return model.predict(scaler.transform(X_test))


@correct("test_train_and_predict")
def train_own_softmax_regression(X_train, y_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
    X, Xt = (X_train - mean) / std, (X_test - mean) / std
    k = int(y_train.max()) + 1
    Y = np.eye(k)[y_train]
    W, b = np.zeros((X.shape[1], k)), np.zeros(k)
    for _ in range(500):
        Z = X @ W + b
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        dZ = (P - Y) / len(X)
        W -= 0.5 * X.T @ dZ
        b -= 0.5 * dZ.sum(axis=0)
    return np.argmax(Xt @ W + b, axis=1)


@correct("test_train_and_predict")
def train_gdkit_mlp_verbose(X_train, y_train, X_test):
    from gdkit import Sequential
    from gdkit.datasets import Standardizer
    from gdkit.layers import Dense
    scaler = Standardizer().fit(X_train)
    model = Sequential([Dense(32, activation="tanh"), Dense(int(y_train.max()) + 1, activation="softmax")], rng=1)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(scaler.transform(X_train), y_train, epochs=60, batch_size=32, verbose=2)  # prints every epoch
    return model.predict(scaler.transform(X_test)).argmax(axis=1).astype(float)


def _chapter_network(X, y):
    from gdkit import Sequential
    from gdkit.layers import Dense
    model = Sequential([Dense(16, activation="relu"), Dense(int(y.max()) + 1, activation="softmax")], rng=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=100, batch_size=16, verbose=0)
    return model


@buggy("test_train_and_predict", "X_test was standardised with its own mean and standard deviation")
def train_test_own_statistics(X_train, y_train, X_test):
    # Each set standardised with its own statistics: harmless on a test set drawn like the training set, wrong
    # on a test batch unlike it (here: one class only)
    from gdkit.datasets import Standardizer
    model = _chapter_network(Standardizer().fit(X_train).transform(X_train), y_train)
    return model.predict(Standardizer().fit(X_test).transform(X_test)).argmax(axis=1)


@buggy("test_train_and_predict", "transform X_test with the same Standardizer")
def train_only_training_standardised(X_train, y_train, X_test):
    from gdkit.datasets import Standardizer
    model = _chapter_network(Standardizer().fit(X_train).transform(X_train), y_train)
    return model.predict(X_test).argmax(axis=1)


@correct("test_train_and_predict")
def train_predict_one_at_a_time(X_train, y_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    model = _chapter_network((X_train - mean) / std, y_train)
    return np.array([int(model.predict(((x - mean) / std)[None, :]).argmax()) for x in X_test])


# ---- concepts (each entry takes the student id and returns what that student would assign) ----------------------
def _table(student):
    from gdkit.problems.practice import weight_decay_table
    return weight_decay_table(student)


@correct("test_chosen_lambda")
def lambda_argmin_validation(student):
    table = _table(student)
    return table.lambdas[np.argmin(table.validation_loss)]


@correct("test_chosen_lambda")
def lambda_typed_from_the_table(student):
    table = _table(student)
    best = min(zip(table.validation_loss, table.lambdas))[1]
    return float(f"{best:.0e}")  # typed as it is printed, e.g. 1e-03


@buggy("test_chosen_lambda", "the lowest training loss")
def lambda_by_training_loss(student):
    table = _table(student)
    return table.lambdas[np.argmin(table.train_loss)]


@buggy("test_chosen_lambda", "you chose on the test loss")
def lambda_by_test_loss(student):
    table = _table(student)
    return table.lambdas[np.argmin(table.test_loss)]


@buggy("test_chosen_lambda", "the largest strength underfits")
def lambda_largest(student):
    return float(_table(student).lambdas.max())


@buggy("test_chosen_lambda", "is not the right answer for your problem")
def lambda_second_best_validation(student):
    table = _table(student)
    return table.lambdas[np.argsort(table.validation_loss)[1]]


def _option(student, words):
    from gdkit.problems.practice import leakage_question
    return next(letter for letter, text in leakage_question(student).options.items() if words in text)


@correct("test_honest_procedure")
def honest_by_reading(student):
    return _option(student, "evaluate once on the test set")


@correct("test_honest_procedure")
def honest_lowercase(student):
    return _option(student, "Split first").lower() + " "


@buggy("test_honest_procedure", "standardises with the mean and standard deviation of the whole data set")
def leak_standardise_first(student):
    return _option(student, "of the whole data set")


@buggy("test_honest_procedure", "stops at the epoch with the best test accuracy")
def leak_epochs_on_test(student):
    return _option(student, "best accuracy on the test set")


@buggy("test_honest_procedure", "copies every example before splitting")
def leak_augment_before_split(student):
    return _option(student, "noisy copies")


@buggy("test_honest_procedure", "picks the features by their correlation with the label")
def leak_feature_selection(student):
    return _option(student, "most correlated")


@buggy("test_honest_procedure", "reports the best of several test accuracies")
def leak_tuning_on_test(student):
    return _option(student, "best of their test accuracies")


# ---- the held-out measurement of 2026-11-30: mistakes that escaped or got a vague message, by kind -------------
from gdkit.problems.practice import weight_decay_table  # noqa: E402


@buggy('test_l2_penalty', 'you squared lambda too; only the weights are squared: lambda')
def heldout_l2_penalty_lam_squared(W, lam):
    return float(lam ** 2 * np.sum(W ** 2))


@buggy('test_l2_penalty', 'lambda is missing: the penalty is lambda·sum(W^2), the stren')
def heldout_l2_penalty_no_lambda(W, lam):
    return float(np.sum(W ** 2))


@buggy('test_l2_penalty', 'you squared the sum of the weights; square each weight, then')
def heldout_l2_penalty_square_of_sum(W, lam):
    return float(lam * np.sum(W) ** 2)


@buggy('test_l2_penalty', 'for a matrix you used its spectral norm (np.linalg.norm(W, 2')
def heldout_l2_penalty_spectral(W, lam):
    return float(lam * (np.linalg.norm(W, 2) ** 2 if W.ndim == 2 else np.sum(W ** 2)))


@buggy('test_l2_penalty_grad', 'lambda is missing: the gradient of lambda·sum(W^2) is 2·lamb')
def heldout_l2_penalty_grad_no_lambda(W, lam):
    return 2 * W


@buggy('test_l2_penalty_grad', "you multiplied the penalty's terms instead of differentiatin")
def heldout_l2_penalty_grad_not_differentiated(W, lam):
    return 2 * lam * W ** 2


@buggy('test_chosen_lambda', "that is the row's index (np.argmin's answer); assign the lam")
def heldout_chosen_lambda_row(student):
    t = weight_decay_table(student)
    return int(np.argmin(t.validation_loss))


@buggy('test_chosen_lambda', 'that is the lowest validation loss itself; the answer is the')
def heldout_chosen_lambda_loss(student):
    t = weight_decay_table(student)
    return float(np.min(t.validation_loss))


@correct("test_l2_penalty_grad")
def heldout_l2_grad_out(W, lam):
    out = np.empty_like(W)
    np.multiply(W, 2 * lam, out=out)
    return out


@buggy("test_l2_penalty", "changed its argument `W` in place")
def heldout_l2_squares_w(W, lam):
    W **= 2
    return float(lam * W.sum())


@buggy("test_l2_penalty_grad", "changed its argument `W` in place")
def heldout_l2_grad_in_place(W, lam):
    W *= 2 * lam
    return W
