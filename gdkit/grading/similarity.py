"""Is a submitted function gdkit's own code, renamed and reformatted? (trusted grader; nothing here runs student code)

A student may paste gdkit's implementation into the notebook (gdkit is public). The sandbox cannot tell: the
pasted code is the student's code. The grader compares, outside the sandbox, the function the notebook defines
with the part's reference *up to names and formatting*: both are parsed, docstrings and annotations dropped,
every identifier (arguments, locals, globals, module aliases such as ``np``) renamed in order of first use, and
the trees compared. Attribute names (``np.exp``, ``.sum``), keywords and constants are kept. A match is flagged
for a human (grades.csv and the feedback page), never zeroed: a short reference (``np.maximum(z, 0.0)``) is what
an honest student writes too, so references shorter than :data:`MIN_NODES` nodes are never compared, nor those
whose code is the notebook's own model answer (a student who writes the model answer is not copying gdkit).
"""
import ast
import inspect
import textwrap

__all__ = ["normalised", "copied_reference", "MIN_NODES"]

MIN_NODES = 30  # a reference this small is written the same way by honest students


class _Renamer(ast.NodeTransformer):
    def __init__(self):
        self.names = {}

    def _name(self, name):
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=self._name(node.id), ctx=node.ctx), node)

    def visit_arg(self, node):
        return ast.copy_location(ast.arg(arg=self._name(node.arg), annotation=None), node)

    def visit_FunctionDef(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:] or [ast.Pass()]
        node = ast.FunctionDef(name=self._name(node.name), args=self.visit(node.args),
                               body=[self.visit(statement) for statement in body], decorator_list=[],
                               returns=None, type_comment=None)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def normalised(function_node):
    """``(dump, size)`` of a FunctionDef node up to names, docstrings, annotations and formatting."""
    tree = _Renamer().visit(function_node)
    return ast.dump(tree, annotate_fields=False, include_attributes=False), sum(1 for _ in ast.walk(tree))


def _definitions(source, name):
    """The top-level ``def name`` nodes of ``source`` (a cell's code, IPython magics transformed)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        source = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - keep the text as it is
        pass
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == name]


def _reference_forms(functions):
    forms = {}
    for function in functions:
        try:
            node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
        except (OSError, TypeError, SyntaxError, IndexError):
            continue
        dump, size = normalised(node)
        if size >= MIN_NODES:
            forms[dump] = f"{function.__module__}.{function.__qualname__}"
    return forms


def copied_reference(sources, name, references, model_sources=()):
    """The qualified name of the reference in ``references`` (functions) that the last ``def name`` in
    ``sources`` (the cells' code, in order) copies up to names and formatting, or None.

    ``model_sources`` are the source notebook's cells: where its model answer is itself gdkit's code (up to
    names), an honest student who writes the model answer cannot be told from a copy, so that reference is
    not compared."""
    forms = _reference_forms(references)
    for source in model_sources:
        for node in _definitions(source, name):
            forms.pop(normalised(node)[0], None)
    if not forms:
        return None
    last = None
    for source in sources:
        if len(source) < 2_000_000:
            found = _definitions(source, name)
            last = found[-1] if found else last
    if last is None:
        return None
    try:
        dump, _ = normalised(last)
    except RecursionError:
        return None
    return forms.get(dump)
