"""The sandbox's copy of gdkit for one part: only what that part may use exists (trusted grader).

Stubbing a reference inside the student's process can be undone by the student's code (reload the module, pop
it from ``sys.modules``, find the original through frames, call a sibling that computes the same thing). So the
grader never gives the sandbox the code it must not run: for each part it writes a *view* of gdkit, a copy of
the package in which

- the grader-only modules (the parts registry with its answers and catalogued mistakes, the batch driver, the
  gradebook and feedback writers, ...) are absent: ``gdkit.grading`` holds only :data:`SANDBOX_FILES` and a
  ``check`` that does nothing;
- every top-level function and class of gdkit that the part may not use is replaced by a stub of the same name
  that raises (so ``import`` lines keep working and a call says why it fails). What a part may use: gdkit's
  versions of the parts *before* it in the course (earlier assignments, earlier test cells of its own), what
  the part's ``uses`` adds, the plain data types (NamedTuples, exceptions), and everything those need,
  followed through the code (:class:`GdkitIndex`). Never its own reference (``Part.forbidden``: "calling
  gdkit's own ... gets no credit") nor what it declares ``withheld`` (siblings that compute its answer).

The view is bound read-only where the real package is, so ``importlib.reload``, ``sys.modules`` tricks and
reading the module's file only ever find the view. Nothing here runs student code.
"""
import ast
import hashlib
import importlib
import importlib.util
import os
import shutil
import types
from pathlib import Path

from .core import REFERENCE_CALL_MARKER, USES_ALL, WITHHELD_MARKER

__all__ = ["SANDBOX_FILES", "GdkitIndex", "stubs_for", "build_view", "ViewCache", "hook_name", "earlier_parts"]

SANDBOX_FILES = ("core.py", "plain.py", "runner.py", "hooks.py")  # gdkit/grading/ files the sandbox gets
HOOKS_MODULE = "gdkit.grading.hooks"
DATA_MODULES = ("gdkit.problems",)  # usable in every part's view: they build problems, never answers

_SANDBOX_INIT = '''"""gdkit.grading as the grading sandbox sees it: the checks of the notebooks do nothing here (the grader
checks every part itself, outside this process); the parts registry is not available."""
from .core import Case, Mistake, Part, PartResult

__all__ = ["check", "check_answer", "Case", "Mistake", "Part", "PartResult"]


def check(part_id, function, hidden=False, seed=0):
    """Does nothing while grading: the grader runs its own, hidden, cases."""
    return None


def check_answer(part_id, value):
    """Does nothing while grading: the grader checks the value against the submission's own problem."""
    return None


def all_parts():
    raise RuntimeError("the parts registry is not available while grading")


get_part = all_parts
'''


def hook_name(function):
    """``"module:qualname"`` of a part's prepare/collect hook, which the runner imports in the sandbox.

    Raises ValueError unless the hook is a top-level function of a module the sandbox has (``gdkit.grading.hooks``,
    or a gdkit module outside ``gdkit.grading``): a hook in a parts module or a ``--parts-file`` would need that
    module, answers included, in the sandbox.
    """
    if function is None:
        return None
    module, qualname = getattr(function, "__module__", ""), getattr(function, "__qualname__", "")
    allowed = module == HOOKS_MODULE or (module.startswith("gdkit.") and not module.startswith("gdkit.grading"))
    if not allowed or "." in qualname or "<" in qualname:
        raise ValueError(f"the hook {module}.{qualname} must be a top-level function of {HOOKS_MODULE} (the sandbox "
                         "has no parts modules, so prepare/collect hooks must live there)")
    return f"{module}:{qualname}"


def _qualname(obj):
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return None
    return f"{module}.{qualname.split('.', 1)[0]}"  # a method stands for its class


def _executed(node):
    """The nodes of a module-level statement that run when the module is imported: not the bodies of lambdas,
    functions or comprehensions' elements defined in it (they run later, if ever)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
                todo.append(child)


class GdkitIndex:
    """Every top-level function and class of gdkit (outside ``gdkit.grading``) and what each one uses.

    ``defs[name]`` is ``(module name, AST node)``; ``deps[name]`` the set of gdkit definitions its code refers to
    (by name, ``module.attribute``, an import inside it, or through a module-level table such as a registry
    of activations), found from the source and resolved against the modules as the grader imported them;
    ``import_time`` the definitions that module-level statements call (a view must keep them to import at all).
    """

    def __init__(self, root=None):
        import gdkit
        self.root = Path(root or Path(gdkit.__file__).resolve().parent)
        self.modules, self.defs, self.deps = {}, {}, {}
        for path in sorted(self.root.rglob("*.py")):
            relative = path.relative_to(self.root)
            if "__pycache__" in relative.parts or (relative.parts[0] == "grading" and relative.name != "hooks.py"):
                continue
            name = ".".join(("gdkit", *relative.with_suffix("").parts)).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            self.modules[name] = (relative, tree)
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self.defs[f"{name}.{node.name}"] = (name, node)
        for qualname, (module_name, node) in self.defs.items():
            self.deps[qualname] = self._references(importlib.import_module(module_name), node)
        self.import_time = set()  # what the modules call while they are imported: every view keeps it
        for module_name, (_, tree) in self.modules.items():
            module = importlib.import_module(module_name)
            for statement in tree.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    if statement.name in ("__getattr__", "__dir__"):  # a module's: runs whenever a missing name
                        self.import_time |= self.deps[f"{module_name}.{statement.name}"]  # is probed, imports too
                    continue
                for child in _executed(statement):
                    if isinstance(child, ast.Call):
                        self.import_time |= self._names_of(self._resolve(module, child.func))

    def _references(self, module, node):
        found = set()
        for child in ast.walk(node):
            if isinstance(child, (ast.Name, ast.Attribute)):
                found |= self._names_of(self._resolve(module, child))
            elif isinstance(child, ast.ImportFrom):
                try:
                    source = importlib.import_module(importlib.util.resolve_name(
                        "." * child.level + (child.module or ""), module.__package__ or module.__name__))
                except (ImportError, ValueError):
                    continue
                for alias in child.names:
                    found |= self._names_of(getattr(source, alias.name, None))
        return found

    @staticmethod
    def _resolve(module, node):
        chain = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        value = vars(module).get(node.id)
        for attribute in reversed(chain):
            if not isinstance(value, types.ModuleType):
                return None  # an attribute of an object (``_CCE._replace``): not a gdkit definition
            value = getattr(value, attribute, None)
        return value

    def _names_of(self, value, depth=0):
        if isinstance(value, (types.FunctionType, type)):
            name = _qualname(value)
            return {name} if name in self.defs else set()
        if depth < 2 and isinstance(value, dict):
            value = list(value.values())
        if depth < 2 and isinstance(value, (list, tuple, set, frozenset)):
            return set().union(*(self._names_of(v, depth + 1) for v in value)) if value else set()
        return set()

    def names(self, objects):
        """The index names of ``objects`` (functions, classes, methods); those outside the index are dropped."""
        return {n for n in (_qualname(o) for o in objects) if n in self.defs}

    def closure(self, names, stop=frozenset()):
        """``names`` and everything their code uses, transitively, not going through ``stop``."""
        seen, todo = set(), [n for n in names if n not in stop]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo += [n for n in self.deps.get(name, ()) if n not in seen and n not in stop]
        return seen

    def data_only(self):
        """Everything in :data:`DATA_MODULES` (each student's problem data: it computes no answer)."""
        return {name for name, (module_name, _) in self.defs.items()
                if any(module_name == m or module_name.startswith(m + ".") for m in DATA_MODULES)}

    def always_available(self):
        """Plain data types (NamedTuples) and exception classes: they compute nothing."""
        found = set()
        for name, (module_name, node) in self.defs.items():
            value = getattr(importlib.import_module(module_name), node.name, None)
            if isinstance(value, type) and (issubclass(value, BaseException) or
                                            (issubclass(value, tuple) and hasattr(value, "_fields"))):
                found.add(name)
        return found


def earlier_parts(part, registry, positions):
    """The parts before ``part`` in the course: every part of an earlier assignment (by name, ``01_forward`` <
    ``02_loss`` ...) and the parts of its own assignment whose test cell comes first (``positions``: part name ->
    index of its test cell in the source notebook)."""
    here = positions.get(part.name, float("inf"))
    return [other for other in registry if other.assignment < part.assignment or
            (other.assignment == part.assignment and positions.get(other.name, float("inf")) < here)]


def stubs_for(part, earlier, index):
    """``{index name: "forbidden" | "withheld"}``: what the view of ``part`` replaces by a stub."""
    forbidden = index.names(part.forbidden)
    stop = forbidden | index.names(part.withheld)
    if part.uses == USES_ALL:
        base = set(index.defs)
    else:
        base = index.names([f for other in earlier for f in (other.reference, *other.forbidden)])
        # What an earlier part was allowed to use stays usable: the student's own earlier functions, which a
        # later part (a closed loop above all) calls, were written with it.
        base |= index.names([f for other in earlier if other.uses != USES_ALL for f in other.uses])
        base |= index.names(part.uses)
    for hook in (part.prepare, part.collect):
        if hook is not None and _qualname(hook) in index.defs:
            base.add(_qualname(hook))
    types = index.always_available()  # data types: allowed, but what their methods call is not followed
    allowed = index.closure(base | index.data_only() | (index.import_time - types), stop=stop | types) | \
        (types - stop)
    stubs = {name: "withheld" for name in index.defs if name not in allowed and not name.startswith(HOOKS_MODULE)}
    stubs.update({name: "forbidden" for name in forbidden})
    return {name: kind for name, kind in stubs.items() if not name.rsplit(".", 1)[1].startswith("__")}


def _stub_source(name, kind, is_class, function):
    if kind == "forbidden":
        message = (f"{REFERENCE_CALL_MARKER}: this part asks you to write {function} yourself; calling gdkit's own "
                   f"{name} gets no credit.")
    else:
        message = (f"{WITHHELD_MARKER}: {name} is not available while {function} is graded: you may use gdkit's "
                   "versions of the earlier parts only (see the notebook), so write what you need yourself.")
    short = name.rsplit(".", 1)[1]
    if is_class:
        return (f"class {short}:\n    def __init__(self, *args, **kwargs):\n        raise RuntimeError({message!r})\n\n"
                f"    def __init_subclass__(cls, **kwargs):\n        pass\n")
    return f"def {short}(*args, **kwargs):\n    raise RuntimeError({message!r})\n"


def build_view(index, stubs, dest, function):
    """Write the view (a package folder ``dest/gdkit``) with ``stubs`` (from :func:`stubs_for`) for a part whose
    student function is named ``function``; return the package folder. Folders 0755, files 0644: the sandbox's
    unprivileged uid reads them."""
    package = Path(dest) / "gdkit"
    for path in sorted(index.root.rglob("*")):
        relative = path.relative_to(index.root)
        if "__pycache__" in relative.parts or path.is_dir() or path.is_symlink():
            continue
        if relative.parts[0] == "grading" and (len(relative.parts) > 2 or relative.name not in SANDBOX_FILES):
            continue
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        module = ".".join(("gdkit", *relative.with_suffix("").parts)).removesuffix(".__init__")
        if path.suffix == ".py" and module in index.modules and relative.parts[0] != "grading":
            tree = index.modules[module][1]
            body = []
            for node in tree.body:
                name = f"{module}.{getattr(node, 'name', '')}"
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and name in stubs:
                    body += ast.parse(_stub_source(name, stubs[name], isinstance(node, ast.ClassDef), function)).body
                else:
                    body.append(node)
            target.write_text(ast.unparse(ast.Module(body=body, type_ignores=[])) + "\n", encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        target.chmod(0o644)
    (package / "grading" / "__init__.py").write_text(_SANDBOX_INIT, encoding="utf-8")
    (package / "grading" / "__init__.py").chmod(0o644)
    import compileall  # the sandbox cannot write bytecode: compile once here rather than in every job
    compileall.compile_dir(str(package), quiet=2, workers=1)
    for path in package.rglob("*.pyc"):
        path.chmod(0o644)
    for folder in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    return package


class ViewCache:
    """Views built once per run, shared by the parts whose stubs are the same, in ``folder`` (the run's
    private job folder)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.index = None
        self.views = {}

    def view(self, part, earlier):
        """The view's package folder for ``part`` (``earlier``: :func:`earlier_parts`)."""
        if self.index is None:
            self.index = GdkitIndex()
        stubs = stubs_for(part, earlier, self.index)
        key = hashlib.sha256(repr((part.function, sorted(stubs.items()))).encode()).hexdigest()[:16]
        if key not in self.views:
            dest = self.folder / f"view-{key}"
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(mode=0o755)
            os.chmod(dest, 0o755)
            self.views[key] = build_view(self.index, stubs, dest, part.function)
        return self.views[key]
