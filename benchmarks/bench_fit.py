"""Speed of ``gdkit.Sequential.fit`` against the PyTorch CPU loop a user would write instead.

Usage (from the repository root, with torch installed: ``pip install -e ".[bench]"``)::

    python benchmarks/bench_fit.py                 # full run (about 2-4 minutes), prints a table
    python benchmarks/bench_fit.py --write         # ... and writes benchmarks/results.md
    python benchmarks/bench_fit.py --quick         # tiny sizes, one pair: checks that everything runs

Method (see benchmarks/README.md): one thread for both (BLAS/OpenMP variables set before NumPy is imported,
``torch.set_num_threads(1)``), the process pinned to one core, the same data, initial weights, architecture,
optimizer and dtype for both; gdkit and torch runs alternate in one process and the table reports medians of
``--pairs`` pairs and the ratio gdkit time / torch time (< 1: gdkit is faster).
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy and torch load
    os.environ[_name] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import NamedTuple  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import gdkit  # noqa: E402
from gdkit.layers import Dense  # noqa: E402


class Config(NamedTuple):
    """One benchmark row: architecture, data size, optimizer and precision."""

    name: str
    sizes: tuple          # layer widths, input first: (2, 16, 16, 1)
    hidden: str           # hidden activation: "sigmoid" or "relu"
    n: int                # training examples
    batch_size: int       # examples per step (n: full batch)
    epochs: int
    optimizer: str        # "sgd" or "adam"
    learning_rate: float
    dtype: str            # "float64" or "float32"


def configurations(quick=False):
    """The benchmark's rows; ``quick`` shrinks every size so a smoke test takes a second or two."""
    rows = []
    for dtype in ("float64", "float32"):
        for optimizer, lr in (("sgd", 0.5), ("adam", 0.01)):
            rows.append(Config(f"course 2-16-16-1 sigmoid, full batch, {optimizer}", (2, 16, 16, 1), "sigmoid",
                               200, 200, 5 if quick else 1000, optimizer, lr, dtype))
    for dtype in ("float64", "float32"):
        for optimizer, lr, batch in (("sgd", 0.05, 64), ("adam", 1e-3, 256)):
            rows.append(Config(f"MNIST 784-256-128-10 relu, batch {batch}, {optimizer}", (784, 256, 128, 10), "relu",
                               512 if quick else 60_000, batch, 1, optimizer, lr, dtype))
    return rows


# ---- data and initial weights (shared by both contenders) -------------------------------------------------
def make_data(config, seed=0):
    """Synthetic data of the configuration's shape: a 2-D XOR-like rule, or MNIST-shaped pixels in [0, 1)
    with labels from a fixed random linear teacher (10 classes, one-hot)."""
    rng = np.random.default_rng(seed)
    d, k = config.sizes[0], config.sizes[-1]
    if k == 1:
        X = rng.normal(size=(config.n, d))
        Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    else:
        X = rng.random((config.n, d))
        labels = np.argmax((X - 0.5) @ rng.normal(size=(d, k)), axis=1)
        Y = np.eye(k)[labels]
    return X.astype(config.dtype), Y.astype(config.dtype)


def build_gdkit(config, seed=1):
    """The gdkit model a course user writes, compiled; returns (model, initial weights)."""
    sizes = config.sizes
    output = "sigmoid" if sizes[-1] == 1 else "softmax"
    layers = [Dense(sizes[1], activation=config.hidden, input_dim=sizes[0])]
    layers += [Dense(m, activation=config.hidden) for m in sizes[2:-1]]
    layers.append(Dense(sizes[-1], activation=output))
    model = gdkit.Sequential(layers, rng=seed, dtype=config.dtype)
    model.build(sizes[0])
    model.compile(optimizer=gdkit.optimizers.get(config.optimizer, learning_rate=config.learning_rate),
                  loss="binary_crossentropy" if sizes[-1] == 1 else "categorical_crossentropy")
    return model


def run_gdkit(config, X, Y, weights):
    """Time one ``fit`` from the given initial weights; returns (seconds, final-epoch loss, minor faults)."""
    model = build_gdkit(config)
    model.set_weights(weights)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    history = model.fit(X, Y, epochs=config.epochs, batch_size=config.batch_size, verbose=0, rng=0)
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return seconds, history.history["loss"][-1], faults


def build_torch(config, weights, torch):
    """The equivalent nn.Sequential with the same initial weights (torch stores W as (out, in))."""
    nn = torch.nn
    dtype = getattr(torch, config.dtype)
    act = nn.Sigmoid if config.hidden == "sigmoid" else nn.ReLU
    modules = []
    sizes = config.sizes
    for i in range(len(sizes) - 1):
        linear = nn.Linear(sizes[i], sizes[i + 1], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weights[2 * i].T)))
            linear.bias.copy_(torch.from_numpy(weights[2 * i + 1]))
        modules.append(linear)
        if i < len(sizes) - 2:
            modules.append(act())
    # Output activation folded into the loss, as PyTorch recommends (and as gdkit does internally):
    # BCEWithLogitsLoss = sigmoid + BCE, CrossEntropyLoss = softmax + CCE.
    model = nn.Sequential(*modules)
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    return model, opt


def run_torch(config, X, Y, weights, torch):
    """Time the training loop a PyTorch user writes: a new random permutation each epoch, index slices,
    zero_grad / forward / loss / backward / step, the running loss via ``loss.item()`` (as gdkit records it)."""
    model, opt = build_torch(config, weights, torch)
    Xt = torch.from_numpy(X)
    if config.sizes[-1] == 1:
        loss_fn, Yt = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(Y)
    else:
        loss_fn, Yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(Y.argmax(axis=1))
    n, batch = len(X), config.batch_size
    generator = torch.Generator().manual_seed(0)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    for _ in range(config.epochs):
        if batch < n:
            perm = torch.randperm(n, generator=generator)
            Xe, Ye = Xt[perm], Yt[perm]
        else:
            Xe, Ye = Xt, Yt
        total = 0.0
        for i in range(0, n, batch):
            xb, yb = Xe[i:i + batch], Ye[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        epoch_loss = total / n
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return seconds, epoch_loss, faults


# ---- the benchmark ------------------------------------------------------------------------------------------
def pin_to_one_core(core=None):
    """Pin this process to one CPU (the last allowed one unless ``core`` is given); returns the core."""
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[-1] if core is None else core
    os.sched_setaffinity(0, {core})
    return core


def bench(config, pairs, torch):
    """Alternate gdkit and torch runs ``pairs`` times (after one warm-up each); returns a dict of medians."""
    X, Y = make_data(config)
    weights = build_gdkit(config).get_weights()
    run_gdkit(config, X, Y, weights)            # warm-up: first-call costs, page the data in
    run_torch(config, X, Y, weights, torch)
    g_runs, t_runs = [], []
    for _ in range(pairs):
        g_runs.append(run_gdkit(config, X, Y, weights))
        t_runs.append(run_torch(config, X, Y, weights, torch))
    g_time = statistics.median(r[0] for r in g_runs)
    t_time = statistics.median(r[0] for r in t_runs)
    return {"config": config, "gdkit": g_time, "torch": t_time, "ratio": g_time / t_time,
            "ratios": [g[0] / t[0] for g, t in zip(g_runs, t_runs)],
            "gdkit_loss": g_runs[-1][1], "torch_loss": t_runs[-1][1],
            "gdkit_faults": statistics.median(r[2] for r in g_runs),
            "torch_faults": statistics.median(r[2] for r in t_runs)}


HEADER = ("| configuration | dtype | gdkit (s) | torch (s) | ratio gdkit/torch | ratio range | "
          "final loss gdkit / torch | minor faults per run gdkit / torch |")


def table(results):
    """The results as a Markdown table."""
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for r in results:
        c = r["config"]
        lines.append(f"| {c.name} | {c.dtype} | {r['gdkit']:.3f} | {r['torch']:.3f} | **{r['ratio']:.2f}** | "
                     f"{min(r['ratios']):.2f}-{max(r['ratios']):.2f} | {r['gdkit_loss']:.4f} / {r['torch_loss']:.4f} | "
                     f"{r['gdkit_faults']:.0f} / {r['torch_faults']:.0f} |")
    return "\n".join(lines)


def machine_info(torch, core):
    """Where and with what the numbers were measured."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")
        info = config["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}"
    except Exception:  # numpy < 2 or an unusual build
        pass
    return [f"- Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
            f"- Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}, NumPy {np.__version__} ({blas}), PyTorch {torch.__version__}",
            f"- One thread each (OPENBLAS/OMP/MKL_NUM_THREADS=1, torch.set_num_threads(1)), pinned to CPU {core}; "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one pair (a smoke test, not a timing)")
    parser.add_argument("--pairs", type=int, default=None, help="alternated gdkit/torch pairs per row (default 7)")
    parser.add_argument("--only", default="", help="run only rows whose name contains this text")
    parser.add_argument("--core", type=int, default=None, help="CPU to pin to (default: the last allowed one)")
    parser.add_argument("--write", nargs="?", const=str(Path(__file__).with_name("results.md")), default=None,
                        help="also write the results as Markdown (default path benchmarks/results.md)")
    args = parser.parse_args(argv)
    import torch  # optional dependency: pip install -e ".[bench]"

    torch.set_num_threads(1)
    core = pin_to_one_core(args.core)
    pairs = args.pairs or (1 if args.quick else 7)
    results = []
    for config in configurations(args.quick):
        if args.only and args.only not in config.name:
            continue
        result = bench(config, pairs, torch)
        results.append(result)
        print(f"{config.name} [{config.dtype}]: gdkit {result['gdkit']:.3f} s, torch {result['torch']:.3f} s, "
              f"ratio {result['ratio']:.2f}", flush=True)
    info = machine_info(torch, core)
    text = table(results)
    print("\n" + "\n".join(info) + f"\n- Medians of {pairs} alternated pairs\n\n" + text)
    if args.write:
        Path(args.write).write_text(
            "# Benchmark results: gdkit `Sequential.fit` vs a PyTorch CPU loop\n\n"
            "Produced by `python benchmarks/bench_fit.py --write` (one run; method in README.md).\n\n"
            + "\n".join(info) + f"\n- Medians of {pairs} alternated pairs; ratio < 1 means gdkit is faster\n\n"
            + text + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
