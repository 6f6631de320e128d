"""gdkit's optimizers, clipping and schedules against torch.optim as an independent oracle (float64, 1e-12)."""
import zlib

import numpy as np
import pytest
from conftest import require

from gdkit.clipping import clip_by_global_norm
from gdkit.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from gdkit.schedules import CosineDecay, ExponentialDecay, LinearWarmup, StepDecay

SHAPES = [(3,), (4, 5), (2, 3, 2)]
STEPS = 50

# (gdkit optimizer factory, torch optimizer name, torch keyword arguments): same hyperparameters.
CONFIGS = {
    "sgd": (lambda: SGD(0.05), "SGD", dict(lr=0.05)),
    "sgd-momentum": (lambda: SGD(0.05, momentum=0.9), "SGD", dict(lr=0.05, momentum=0.9)),
    "sgd-nesterov": (lambda: SGD(0.05, momentum=0.9, nesterov=True), "SGD",
                     dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd-weight-decay": (lambda: SGD(0.05, weight_decay=0.01), "SGD", dict(lr=0.05, weight_decay=0.01)),
    "sgd-nesterov-weight-decay": (lambda: SGD(0.05, momentum=0.8, nesterov=True, weight_decay=0.01), "SGD",
                                  dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    "adagrad": (lambda: Adagrad(0.1), "Adagrad", dict(lr=0.1)),
    "adagrad-initial": (lambda: Adagrad(0.1, initial_accumulator_value=0.1, epsilon=1e-7), "Adagrad",
                        dict(lr=0.1, initial_accumulator_value=0.1, eps=1e-7)),
    "rmsprop": (lambda: RMSprop(0.01), "RMSprop", dict(lr=0.01)),
    "rmsprop-keras-like": (lambda: RMSprop(0.001, rho=0.9, epsilon=1e-7), "RMSprop",
                           dict(lr=0.001, alpha=0.9, eps=1e-7)),
    "rmsprop-momentum": (lambda: RMSprop(0.01, momentum=0.9), "RMSprop", dict(lr=0.01, momentum=0.9)),
    "rmsprop-centered": (lambda: RMSprop(0.01, centered=True), "RMSprop", dict(lr=0.01, centered=True)),
    "rmsprop-centered-momentum": (lambda: RMSprop(0.01, momentum=0.5, centered=True), "RMSprop",
                                  dict(lr=0.01, momentum=0.5, centered=True)),
    "adam": (lambda: Adam(0.01), "Adam", dict(lr=0.01)),
    "adam-betas": (lambda: Adam(0.05, beta_1=0.5, beta_2=0.9, epsilon=1e-6), "Adam",
                   dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6)),
    "adam-amsgrad": (lambda: Adam(0.01, amsgrad=True), "Adam", dict(lr=0.01, amsgrad=True)),
    "adam-l2-weight-decay": (lambda: Adam(0.01, weight_decay=0.1), "Adam", dict(lr=0.01, weight_decay=0.1)),
    "adamw": (lambda: AdamW(0.01), "AdamW", dict(lr=0.01)),
    "adamw-strong-decay": (lambda: AdamW(0.05, weight_decay=0.5, beta_1=0.8, epsilon=1e-6), "AdamW",
                           dict(lr=0.05, weight_decay=0.5, betas=(0.8, 0.999), eps=1e-6)),
    "adamw-amsgrad": (lambda: AdamW(0.01, weight_decay=0.1, amsgrad=True), "AdamW",
                      dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_optimizer_agrees_with_torch(name):
    """50 steps with the same random gradients on several shapes: max abs difference <= 1e-12."""
    torch = require("torch")
    make_ours, torch_name, torch_kwargs = CONFIGS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    initial = [rng.normal(size=shape) for shape in SHAPES]
    # the gradients change sign and scale from step to step, so momentum and averages are exercised
    grads = [[rng.normal(size=shape) * rng.uniform(0.1, 3.0) for shape in SHAPES] for _ in range(STEPS)]

    ours = [p.copy() for p in initial]
    optimizer = make_ours()
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in initial]
    torch_optimizer = getattr(torch.optim, torch_name)(theirs, foreach=False, **torch_kwargs)
    for step_grads in grads:
        optimizer.step(ours, [g.copy() for g in step_grads])
        for t, g in zip(theirs, step_grads):
            t.grad = torch.tensor(g, dtype=torch.float64)
        torch_optimizer.step()
    for p, t, p0 in zip(ours, theirs, initial):
        assert np.max(np.abs(p - p0)) > 1e-3, "the parameters must have moved"
        difference = np.max(np.abs(p - t.detach().numpy()))
        assert difference <= 1e-12, f"{name}: max |gdkit - torch| = {difference:.3g} after {STEPS} steps"


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_by_global_norm_agrees_with_torch(max_norm):
    """Same returned norm and same clipped gradients as torch.nn.utils.clip_grad_norm_."""
    torch = require("torch")
    rng = np.random.default_rng(7)
    grads = [rng.normal(size=shape) for shape in SHAPES]
    tensors = [torch.tensor(g, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    ours = [g.copy() for g in grads]
    norm = clip_by_global_norm(ours, max_norm)
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    assert abs(norm - float(torch_norm)) <= 1e-12
    for g, t in zip(ours, tensors):
        assert np.max(np.abs(g - t.grad.numpy())) <= 1e-12


def _torch_learning_rates(torch, make_scheduler, initial, steps):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=initial)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(rates)


@pytest.mark.parametrize("warmup_steps", [1, 5])
def test_linear_warmup_then_cosine_agrees_with_torch_sequential_lr(warmup_steps):
    """LinearWarmup(CosineDecay(0.5, T), W) = SequentialLR([LinearLR(1/W, total_iters=W-1), CosineAnnealingLR(T)],
    milestones=[W]); in particular the first step's rate is 0.5 / W."""
    torch = require("torch")
    lr_scheduler = torch.optim.lr_scheduler
    W, T = warmup_steps, 20

    def make(optimizer):
        warmup = lr_scheduler.LinearLR(optimizer, start_factor=1 / W, end_factor=1.0, total_iters=W - 1)
        return lr_scheduler.SequentialLR(optimizer, [warmup, lr_scheduler.CosineAnnealingLR(optimizer, T_max=T)],
                                         milestones=[W])

    expected = _torch_learning_rates(torch, make, 0.5, W + T)
    ours = LinearWarmup(CosineDecay(0.5, decay_steps=T), warmup_steps=W)
    np.testing.assert_allclose([ours(t) for t in range(W + T)], expected, rtol=1e-12, atol=1e-15)
    assert expected[0] == pytest.approx(0.5 / W)


@pytest.mark.parametrize("case", ["step", "exponential", "cosine", "cosine-alpha"])
def test_schedules_agree_with_torch(case):
    """StepDecay = StepLR, ExponentialDecay(decay_steps=1) = ExponentialLR, CosineDecay = CosineAnnealingLR."""
    torch = require("torch")
    lr_scheduler = torch.optim.lr_scheduler
    steps = 40
    ours, make = {
        "step": (StepDecay(0.5, step_size=7, gamma=0.3), lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.3)),
        "exponential": (ExponentialDecay(0.5, decay_rate=0.9, decay_steps=1),
                        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)),
        "cosine": (CosineDecay(0.5, decay_steps=steps), lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=steps)),
        "cosine-alpha": (CosineDecay(0.5, decay_steps=steps, alpha=0.1),
                         lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=steps, eta_min=0.05)),
    }[case]
    expected = _torch_learning_rates(torch, make, 0.5, steps)
    np.testing.assert_allclose([ours(t) for t in range(steps)], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_schedule_inside_optimizer_agrees_with_torch_scheduler(name):
    """Adam (AdamW, whose decay follows the scheduled rate) with a StepDecay schedule = torch's stepped with StepLR
    every iteration."""
    torch = require("torch")
    rng = np.random.default_rng(3)
    p0 = rng.normal(size=5)
    grads = rng.normal(size=(30, 5))
    ours = p0.copy()
    optimizer = {"Adam": Adam, "AdamW": AdamW}[name](StepDecay(0.1, step_size=10, gamma=0.5))
    theirs = torch.tensor(p0, requires_grad=True)
    torch_optimizer = getattr(torch.optim, name)([theirs], lr=0.1, foreach=False)
    scheduler = torch.optim.lr_scheduler.StepLR(torch_optimizer, step_size=10, gamma=0.5)
    for g in grads:
        optimizer.step([ours], [g.copy()])
        theirs.grad = torch.tensor(g)
        torch_optimizer.step()
        scheduler.step()
    assert np.max(np.abs(ours - theirs.detach().numpy())) <= 1e-12
