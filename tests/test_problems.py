"""gdkit.problems: every student's own concept-question data, deterministic and different per student."""
import numpy as np
import pytest

from gdkit import problems
from gdkit.problems import forward, gradient_descent, loss, momentum, pathologies

GENERATORS = [
    lambda s: gradient_descent.regression_problem(s),
    lambda s: gradient_descent.conditioning_problem(s, "04_gradient_descent/steps_to_tolerance"),
    lambda s: forward.network_sizes(s),
    lambda s: forward.tiny_network(s),
    lambda s: loss.classifier_at_init(s),
    lambda s: loss.logits_and_label(s),
    lambda s: momentum.adam_betas(s),
    lambda s: gradient_descent.batch_scaling(s),
    lambda s: momentum.adam_step(s),
    lambda s: momentum.steps_problem(s),
    lambda s: momentum.effective_step(s),
    lambda s: pathologies.sigmoid_network(s),
    lambda s: [run.loss for run in pathologies.training_runs(s).runs.values()],
]


def _equal(a, b):
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))


@pytest.mark.parametrize("generate", GENERATORS)
def test_same_student_same_problem_and_students_differ(generate):
    assert _equal(generate("alice"), generate("alice"))
    assert _equal(generate(" alice "), generate("alice")), "surrounding spaces of an id do not matter"
    others = [generate(f"student{i}") for i in range(20)]
    distinct = {repr(tuple(np.asarray(v).tolist() for v in p)) for p in others}
    assert len(distinct) >= 10, "twenty students should see many different problems"


def test_the_seed_is_fixed_by_sha256_not_by_python_hash():
    """The same numbers on every machine: pinned against one known draw."""
    rng = problems.problem_rng("q", "alice")
    import hashlib
    expected = np.random.default_rng(int.from_bytes(hashlib.sha256(b"q|alice").digest()[:8], "little"))
    assert rng.integers(0, 2**62) == expected.integers(0, 2**62)


def test_problems_have_the_stated_ranges():
    for i in range(50):
        s = f"s{i}"
        X = gradient_descent.regression_problem(s).X
        assert 20 <= X.shape[0] <= 60 and 2 <= X.shape[1] <= 4 and np.array_equal(X, np.round(X, 2))
        c = gradient_descent.conditioning_problem(s, "q")
        assert 10 <= c.L / c.m <= 1000 and 1e-8 <= c.tolerance <= 1e-3
        sizes = forward.network_sizes(s).sizes
        assert 3 <= len(sizes) <= 5 and all(2 <= v <= 64 for v in sizes)
        b = gradient_descent.batch_scaling(s)
        assert b.batch_size != b.new_batch_size


def test_student_id_prefers_jupyterhub_and_explains_a_missing_id(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert problems.student_id(" jdoe ") == "jdoe"
    with pytest.raises(ValueError, match="STUDENT_ID"):
        problems.student_id("")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert problems.student_id("typed") == "hubuser"
    with pytest.raises(ValueError, match="No student id"):
        problems.problem_rng("q", "  ")


def test_the_05_and_06_problems_have_the_stated_ranges():
    letters = set()
    for i in range(60):
        s = f"s{i}"
        a = momentum.adam_step(s)
        assert a.beta_1 < a.beta_2 < 1 and a.t in (2, 3, 4, 5, 8, 12)
        e = momentum.effective_step(s)
        assert 0 < e.learning_rate <= 0.05 and 0.7 <= e.momentum <= 0.95
        net = pathologies.sigmoid_network(s)
        assert 6 <= len(net.spectral_norms) == len(net.dZ_norms) <= 12
        assert np.all(np.diff(net.dZ_norms) > 0), "the measured norms shrink towards the input"
        assert np.all(net.dZ_norms[:-1] / net.dZ_norms[1:] <= net.spectral_norms[1:] / 4), "below the bound"
        problem = pathologies.training_runs(s)
        from gdkit.diagnostics import diagnose
        found = sorted(diagnose([c.grad_norm_first[-1], c.grad_norm_last[-1]], [c.dead_fraction[-1]])
                       for c in problem.runs.values())
        assert found == sorted(pathologies.CONDITIONS), f"{s}: each condition once, as diagnose reads it"
        letters.add(next(k for k, c in problem.runs.items()
                         if diagnose([c.grad_norm_first[-1], c.grad_norm_last[-1]], [c.dead_fraction[-1]])
                         == problem.asked))
    assert letters == set("ABCD")
