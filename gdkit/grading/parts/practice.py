"""Parts of assignment 07_practice (chapter: training in practice): L2 regularisation and an end-to-end training.

The training part's answer is the predicted labels of the test inputs, checked against their true labels with an
accuracy threshold. The visible case uses the Iris data shipped with gdkit; the hidden cases are classification
problems drawn from the grading seed (:func:`synthetic_problem`), whose test labels exist only in the grader's
process: nothing a student has (gdkit's data files, its code) gives them.
"""
import numpy as np

from ... import datasets, losses
from ...problems.practice import LEAKAGE_PROCEDURES, leakage_question, weight_decay_table
from ..core import ANSWER, USES_ALL, Mistake, Part
from ._common import Case, cases_from, normal

A = "07_practice"

ACCURACY_THRESHOLD = 0.85
TIME_LIMIT_SECONDS = 30  # the grader's default wall-clock limit per part (gdkit.grading.sandbox.Limits)


# ---- L2 penalty ---------------------------------------------------------------------------------------------------
def _penalty_cases(rng, hidden):
    def case(shape, lam, label, dtype=np.float64):
        return Case((normal(rng, *shape, dtype=dtype), lam), label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case((3, 2), 0.01, "a 3x2 weight matrix, lambda 0.01"), case((10, 4), 0.5, "lambda 0.5"),
            case((1, 1), 2.0, "a 1x1 matrix"), case((5, 3), 0.1, "float32 weights", np.float32),
            case((4, 3), 0.0, "lambda 0 (no penalty)"), case((6,), 0.05, "a vector"),
            case((2, 3, 4), 0.2, "a 3-D array")]


def _penalty_grad_cases(rng, hidden):
    return [case for case in _penalty_cases(rng, hidden) if case.args[1] != 0.0]


# ---- end-to-end training --------------------------------------------------------------------------------------------
_LABELS = {}  # test inputs (bytes) -> their true labels, filled when the cases are drawn; grader-side only


def _remember(X_test, y_test):
    _LABELS[np.ascontiguousarray(X_test, dtype=np.float64).tobytes()] = np.asarray(y_test, dtype=np.int64)


def true_test_labels(X_train, y_train, X_test):
    """Reference answer of the training part: the true labels of ``X_test``, known to the process that drew the
    case (:func:`_training_cases`); the student's function receives the inputs only."""
    key = np.ascontiguousarray(X_test, dtype=np.float64).tobytes()
    if key not in _LABELS:
        raise KeyError("these test inputs were not drawn by this process's _training_cases")
    return _LABELS[key].copy()


def synthetic_problem(rng, n_train, n_test, n_features, n_classes):
    """A classification problem drawn from ``rng`` in which standardising the inputs is what makes it learnable.

    Half the features (at least two) carry the classes: Gaussian clusters around centres at least 6 standard
    deviations apart (the best classifier is right on nearly every example), measured on tiny scales (0.001 to
    0.03). The others are pure noise on huge scales (100 to 3000); every feature is also shifted by a few times
    its scale, and the columns are shuffled. Unstandardised, the noise dominates every pre-activation and a
    network trained as the chapter does stays near chance (measured: 22-58% with Adam, 100-300 epochs, over 8
    grading seeds); standardised with the training statistics, the same network reaches 96-100%.
    Returns X_train, y_train, X_test, y_test."""
    n = n_train + n_test
    n_informative = max(2, n_features // 2)

    def centres():
        return rng.normal(scale=3.0, size=(n_classes, n_informative))
    c = centres()
    while min(np.linalg.norm(a - b) for i, a in enumerate(c) for b in c[:i]) < 6.0:
        c = centres()
    y = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)])
    rng.shuffle(y)
    X = np.concatenate([c[y] + rng.normal(size=(n, n_informative)),
                        rng.normal(size=(n, n_features - n_informative))], axis=1)
    scales = np.concatenate([10.0 ** rng.uniform(-3, -1.5, n_informative),
                             10.0 ** rng.uniform(2, 3.5, n_features - n_informative)])
    X = (X + rng.normal(scale=5.0, size=n_features)) * scales
    X = X[:, rng.permutation(n_features)]
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _training_cases(rng, hidden):
    def iris(seed, label):
        data = datasets.load_iris()
        X_train, X_test, y_train, y_test = datasets.train_test_split(data.X, data.y, test_size=0.25, rng=seed)
        _remember(X_test, y_test)
        return Case((X_train, y_train, X_test), label=label)

    def drawn(n_train, n_test, n_features, n_classes, label, one_class=False):
        X_train, y_train, X_test, y_test = synthetic_problem(rng, n_train, n_test, n_features, n_classes)
        if one_class:  # a test batch unlike the training data: its own statistics are not the training ones
            X_test, y_test = X_test[y_test == y_test[0]], y_test[y_test == y_test[0]]
        _remember(X_test, y_test)
        return Case((X_train, y_train, X_test), label=label)
    visible = [iris(0, "Iris, one train/test split"),
               drawn(150, 50, 4, 3, "a drawn data set: 4 features on very different scales, 3 classes"),
               drawn(150, 60, 4, 3, "a drawn data set whose test examples all belong to one class", one_class=True)]
    extra = [drawn(150, 50, 4, 3, "another drawn data set: 4 features on very different scales, 3 classes"),
             drawn(300, 100, 12, 2, "a drawn data set: 12 features on very different scales, 2 classes"),
             drawn(200, 90, 6, 3, "another drawn data set whose test examples all belong to one class",
                   one_class=True)]
    return cases_from(visible, extra, hidden)


def training_report(function, seed=0):
    """Run a student's ``train_and_predict`` on the visible data sets (public ``seed``) and print, for each, its
    accuracy on the test examples and the time it took: what the notebook's test cell shows before checking. The
    grader draws its own data sets of the same kinds from its private seed."""
    import time
    for case in _training_cases(np.random.default_rng(seed), False):
        start = time.perf_counter()
        predicted = np.asarray(function(*case.args))
        seconds = time.perf_counter() - start
        expected = true_test_labels(*case.args)
        accuracy = f"{np.mean(predicted == expected):.0%}" if predicted.shape == expected.shape else "(wrong shape)"
        print(f"{case.label}: accuracy {accuracy} ({ACCURACY_THRESHOLD:.0%} needed), {seconds:.1f} s")
    print(f"The grader allows {TIME_LIMIT_SECONDS} s for this part: your notebook's cells and four data sets together.")


def accurate_enough(expected, actual):
    """True when ``actual`` labels agree with ``expected`` on at least ACCURACY_THRESHOLD of the examples."""
    if not (isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray)) or actual.shape != expected.shape:
        return False
    return bool(np.mean(actual.astype(float) == expected.astype(float)) >= ACCURACY_THRESHOLD)


def _explain_accuracy(expected, actual):
    if not isinstance(actual, np.ndarray) or actual.shape != expected.shape:
        shape = actual.shape if isinstance(actual, np.ndarray) else type(actual).__name__
        return (f"expected one integer label per test example, an array of shape {expected.shape}, got {shape} "
                "(for class probabilities of shape (N, K), take the argmax along axis 1)")
    accuracy = np.mean(actual.astype(float) == expected.astype(float))
    if len(expected) > 1 and np.unique(expected).size == 1:
        # iid test sets cannot tell the test data's own statistics from the training ones; this one can
        return (f"your predictions are right on only {accuracy:.0%} of a test set whose examples all belong to "
                f"one class (at least {ACCURACY_THRESHOLD:.0%} is needed). A network that is right on the other "
                "data sets but not here standardised X_test with its own mean and standard deviation: a batch of "
                "one class has other statistics than the training data, so that moves every example. Transform "
                "X_test with the statistics of the training data (the Standardizer fitted on X_train), as each "
                "example would be at deployment")
    return (f"your predictions are right on {accuracy:.0%} of the hidden test examples; at least "
            f"{ACCURACY_THRESHOLD:.0%} is needed. Standardise the inputs (fit on the training data only), and "
            "transform X_test with the same Standardizer: not with X_test's own mean and standard deviation, and "
            "not left raw (a network trained on standardised inputs and shown raw test inputs is as lost as one "
            "trained on raw inputs). Then train for more epochs, or adjust the learning rate")


def _constant_prediction(X_train, y_train, X_test):
    return np.full(len(X_test), np.bincount(np.asarray(y_train, dtype=int)).argmax())


def _chapter_network(X, y):
    """The chapter's network (Dense 16 relu, softmax; Adam, 100 epochs), seeded: what a student's procedure is
    compared with when the mistake is in the data, not the network."""
    from ... import Sequential
    from ...layers import Dense
    model = Sequential([Dense(16, activation="relu"), Dense(int(np.max(y)) + 1, activation="softmax")], rng=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=100, batch_size=16, verbose=0)
    return model


def _standardised(X, statistics_of):
    mean, std = statistics_of.mean(axis=0), statistics_of.std(axis=0)
    return (X - mean) / np.where(std > 0, std, 1.0)


def _test_own_statistics(X_train, y_train, X_test):
    model = _chapter_network(_standardised(X_train, X_train), y_train)
    return model.predict(_standardised(X_test, X_test)).argmax(axis=1)


def _test_raw(X_train, y_train, X_test):
    model = _chapter_network(_standardised(X_train, X_train), y_train)
    return model.predict(np.asarray(X_test, dtype=float)).argmax(axis=1)


# ---- concept: the weight decay chosen on validation data ------------------------------------------------------------
def _chosen_lambda(student):
    """The strength with the lowest validation loss: the validation set is what a choice may look at."""
    table = weight_decay_table(student)
    return float(table.lambdas[int(np.argmin(table.validation_loss))])


def _lambda_by_train(student):
    table = weight_decay_table(student)
    return float(table.lambdas[int(np.argmin(table.train_loss))])


def _lambda_by_test(student):
    table = weight_decay_table(student)
    return float(table.lambdas[int(np.argmin(table.test_loss))])


def _lambda_largest(student):
    return float(weight_decay_table(student).lambdas[-1])


def _lambda_row(student):
    return int(np.argmin(weight_decay_table(student).validation_loss))


def _lambda_loss(student):
    return float(np.min(weight_decay_table(student).validation_loss))


# ---- concept: which procedure reports an honest test accuracy -----------------------------------------------------
def _letter_of(key):
    def letter(student):
        options = leakage_question(student).options
        return next(k for k, text in options.items() if text == LEAKAGE_PROCEDURES[key])
    letter.__name__ = f"_leakage_{key}"
    return letter


_honest_procedure = _letter_of("honest")


PARTS = (
    Part(A, "test_l2_penalty", "l2_penalty", losses.l2_penalty, _penalty_cases, points=1,
         forbidden=(losses.l2_penalty,), unchanged=(0,),
         mistakes=(
             Mistake("half", lambda W, lam: 0.5 * lam * float(np.sum(W * W)),
                     "your penalty uses the (lambda/2)·sum(W^2) convention; gdkit, like Keras, uses lambda·sum(W^2)"),
             Mistake("mean", lambda W, lam: lam * float(np.mean(W * W)),
                     "you averaged the squared weights; the penalty sums them"),
             Mistake("norm", lambda W, lam: lam * float(np.linalg.norm(W)),
                     "you used the norm ||W||; the L2 penalty uses its square, sum(W^2)"),
             Mistake("abs", lambda W, lam: lam * float(np.sum(np.abs(W))),
                     "you computed the L1 penalty (sum of |W|); L2 sums the squares"),
             Mistake("lam_squared", lambda W, lam: lam ** 2 * float(np.sum(W * W)),
                     "you squared lambda too; only the weights are squared: lambda·sum(W^2)"),
             Mistake("no_lambda", lambda W, lam: float(np.sum(W * W)),
                     "lambda is missing: the penalty is lambda·sum(W^2), the strength times the sum of squares"),
             Mistake("square_of_sum", lambda W, lam: lam * float(np.sum(W)) ** 2,
                     "you squared the sum of the weights; square each weight, then sum: lambda·sum(W^2)"),
             Mistake("spectral", lambda W, lam: lam * float(np.linalg.norm(W, 2) ** 2 if np.ndim(W) == 2
                                                            else np.sum(W * W)),
                     "for a matrix you used its spectral norm (np.linalg.norm(W, 2), the largest singular value); "
                     "the penalty counts every weight: sum(W^2), the squared Frobenius norm"),
         )),
    Part(A, "test_l2_penalty_grad", "l2_penalty_grad", losses.l2_penalty_grad, _penalty_grad_cases, points=1,
         forbidden=(losses.l2_penalty_grad,), unchanged=(0,),
         mistakes=(
             Mistake("no_two", lambda W, lam: lam * W,
                     "your gradient is lambda·W, the gradient of (lambda/2)·sum(W^2); the derivative of "
                     "lambda·sum(W^2) is 2·lambda·W"),
             Mistake("sign", lambda W, lam: -2 * lam * W,
                     "your gradient has the wrong sign: the penalty grows with |W|, its gradient is +2·lambda·W"),
             Mistake("l1", lambda W, lam: lam * np.sign(W),
                     "you returned lambda·sign(W), the L1 subgradient; L2's gradient is 2·lambda·W"),
             Mistake("l1_twice", lambda W, lam: 2 * lam * np.sign(W),
                     "you returned 2·lambda·sign(W), an L1 subgradient; L2's gradient is 2·lambda·W"),
             Mistake("no_lambda", lambda W, lam: 2 * W,
                     "lambda is missing: the gradient of lambda·sum(W^2) is 2·lambda·W"),
             Mistake("not_differentiated", lambda W, lam: 2 * lam * W * W,
                     "you multiplied the penalty's terms instead of differentiating them: d/dW of lambda·W^2 is "
                     "2·lambda·W, not 2·lambda·W^2"),
         )),
    Part(A, "test_train_and_predict", "train_and_predict", true_test_labels, _training_cases, points=4,
         forbidden=(true_test_labels,), uses=USES_ALL, compare=accurate_enough, explain=_explain_accuracy,
         unchanged=(0, 1, 2),
         mistakes=(
             Mistake("constant", _constant_prediction,
                     "your network predicts (almost) the same class for every test example: it did not learn. "
                     "Standardise the inputs (X_train and X_test, both with the Standardizer fitted on X_train: "
                     "a network trained on standardised inputs and shown raw test inputs predicts nonsense), "
                     "check the learning rate and the number of epochs"),
             Mistake("test_own_statistics", _test_own_statistics,
                     "your predictions agree with a network whose X_test was standardised with its own mean and "
                     "standard deviation: the test inputs must go through the training data's transform (the "
                     "Standardizer fitted on X_train), since a test batch (a few examples, or examples of one "
                     "class) has other statistics than the training data"),
             Mistake("test_raw", _test_raw,
                     "your predictions agree with a network trained on standardised inputs but shown the raw "
                     "X_test: transform X_test with the same Standardizer fitted on X_train"),
         )),
    Part(A, "test_chosen_lambda", "chosen_lambda", _chosen_lambda, None, points=1, kind=ANSWER,
         answer_format="number", rtol=1e-6, atol=0.0,
         mistakes=(
             Mistake("train", _lambda_by_train,
                     "you chose the strength with the lowest training loss: the penalty only adds to the training "
                     "loss, so it always prefers the least regularisation; choose on the validation loss"),
             Mistake("test", _lambda_by_test,
                     "you chose on the test loss: a test set used for a choice no longer estimates the loss on new "
                     "data (its minimum over the table is optimistic); choose on the validation loss, then report "
                     "the test loss of that one choice"),
             Mistake("largest", _lambda_largest,
                     "more regularisation is not better in itself: the largest strength underfits (its training "
                     "and validation losses are high); choose the lowest validation loss"),
             Mistake("row", _lambda_row,
                     "that is the row's index (np.argmin's answer); assign the lambda of that row, "
                     "table.lambdas[index]"),
             Mistake("loss", _lambda_loss,
                     "that is the lowest validation loss itself; the answer is the lambda of that row"),
         )),
    Part(A, "test_honest_procedure", "honest_procedure", _honest_procedure, None, points=1, kind=ANSWER,
         answer_format="letter:ABCDEF",
         mistakes=(
             Mistake("fit_all", _letter_of("fit_all"),
                     "that procedure standardises with the mean and standard deviation of the whole data set: the "
                     "test examples then shape the training inputs (leakage). Fit the standardiser on the training "
                     "set only and apply it to the others"),
             Mistake("epochs_on_test", _letter_of("epochs_on_test"),
                     "that procedure stops at the epoch with the best test accuracy and reports it: the number is "
                     "chosen to be high, so it overestimates the accuracy on new data; choose the epoch on "
                     "validation data"),
             Mistake("augment_first", _letter_of("augment_first"),
                     "that procedure copies every example before splitting: near-copies of training examples land "
                     "in the test set, which then measures memory, not generalisation; split first, augment the "
                     "training set only"),
             Mistake("select_on_all", _letter_of("select_on_all"),
                     "that procedure picks the features by their correlation with the label over the whole data set: "
                     "the test labels took part in building the model, so the test accuracy is optimistic; select "
                     "features on the training set only"),
             Mistake("tune_on_test", _letter_of("tune_on_test"),
                     "that procedure reports the best of several test accuracies: choosing the maximum on the test "
                     "set makes it optimistic; choose the weight decay on a validation set and test once"),
         )),
)
