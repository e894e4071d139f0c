"""The exact types a model artifact may hold, and the check of a skops schema against them.

Types: every public scikit-learn estimator and transformer, the helper classes their fitted
state holds, and the numpy and scipy types under them, derived from scikit-learn's own registry
by `model_build/release/allowed_types.py` and shipped as data (`allowed_types.json`). A manifest's
`trusted_types` can only narrow the list. Names are exact (`module.Class`): no prefixes, so
nothing else in a trusted module comes along.

Functions: only the element-wise numpy ufuncs below, and only where a class calls them on data
(a `FunctionTransformer`'s `func`, a `TransformedTargetRegressor`'s `inverse_func`). Every
other way skops can reach a callable (bound methods, arbitrary `__reduce__`, `functools.partial`,
operator getters) is refused by its loader name, before anything is built.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ALLOWED_TYPES_PATH = Path(__file__).with_name("allowed_types.json")

# Element-wise numpy ufuncs: pure arithmetic on their input, nothing else. Never builtins,
# `os`, `operator`, `importlib` or anything that can look up or run other code.
FUNCTIONS = frozenset(
    {f"numpy.{name}" for name in (
        "log", "log1p", "log2", "log10", "exp", "expm1", "exp2", "sqrt", "cbrt", "square",
        "absolute", "negative", "reciprocal", "sign", "tanh", "arctanh", "sinh", "arcsinh",
        "floor", "ceil", "rint", "trunc",
    )}
)  # fmt: skip
_FUNCTION_TRANSFORMER = "sklearn.preprocessing._function_transformer.FunctionTransformer"
_TARGET_TRANSFORMER = "sklearn.compose._target.TransformedTargetRegressor"
# The attributes a function may be the value of, by the class that holds it.
CALLABLE_SLOTS = {
    _FUNCTION_TRANSFORMER: frozenset({"func", "inverse_func"}),
    _TARGET_TRANSFORMER: frozenset({"func", "inverse_func"}),
}

# Loaders that build plain data or an allowed object from data. Not here: MethodNode (getattr
# of a named attribute), ReduceNode (a callable of the artifact's choosing), PartialNode,
# OperatorFuncNode, ConstructorFromReduceNode, DefaultDictNode (its factory is called), and
# any loader a future skops adds before it is reviewed. TreeNode and LossNode rebuild
# scikit-learn's own Cython trees and losses by class name, which must itself be allowed.
_DATA_LOADERS = frozenset(
    {"ObjectNode", "DictNode", "ListNode", "TupleNode", "SetNode", "JsonNode", "NdArrayNode",
     "SparseMatrixNode", "SliceNode", "BytesNode", "DTypeNode", "RandomStateNode",
     "RandomGeneratorNode", "TreeNode", "LossNode"}
)  # fmt: skip
_REFERENCE_LOADERS = frozenset({"TypeNode", "FunctionNode"})  # a type or function, not called


@dataclass(frozen=True)
class Allowlist:
    """Types an artifact may instantiate or name, and functions a class may call on data."""

    types: frozenset[str]
    functions: frozenset[str] = frozenset()

    def narrowed_to(self, names: list[str]) -> "Allowlist":
        """What the manifest lists, within what the server allows (never more)."""
        wanted = frozenset(names)
        return Allowlist(self.types & wanted, self.functions & wanted)


@cache
def server_allowlist() -> Allowlist:
    """The one list every model is held to, whatever its kind."""
    data = json.loads(ALLOWED_TYPES_PATH.read_text())
    return Allowlist(frozenset(data["estimators"]) | frozenset(data["helpers"]), FUNCTIONS)


@dataclass(frozen=True)
class _Node:
    name: str
    loader: str
    slot: str | None  # the attribute this node is the value of, when its parent is an object
    parent: str | None  # the class whose attribute it is


def refusals(schema: Any, allowed: Allowlist) -> list[str]:
    """Every reason the schema breaks the allowlist, read without loading anything."""
    found: set[str] = set()
    for node in schema_nodes(schema):
        if node.loader in _REFERENCE_LOADERS:
            in_slot = node.slot in CALLABLE_SLOTS.get(node.parent or "", frozenset())
            if (node.name in allowed.functions and in_slot) or node.name in allowed.types:
                continue
            found.add(f"{node.name} (a callable or type reference)")
        elif node.loader not in _DATA_LOADERS:
            found.add(f"{node.name} (loader {node.loader})")
        elif node.name not in allowed.types:
            found.add(node.name)
    return sorted(found)


def schema_nodes(schema: Any) -> Iterator[_Node]:
    """Every node naming a module and class; an object's attributes know their slot."""
    pending: list[tuple[Any, str | None, str | None]] = [(schema, None, None)]
    while pending:
        value, slot, parent = pending.pop()
        if isinstance(value, list):
            pending.extend((item, slot, parent) for item in value)
            continue
        if not isinstance(value, dict):
            continue
        module, cls = value.get("__module__"), value.get("__class__")
        if not (isinstance(module, str) and isinstance(cls, str)):
            pending.extend((item, None, None) for item in value.values())  # a mapping of nodes
            continue
        name, loader = f"{module}.{cls}", str(value.get("__loader__"))
        yield _Node(name, loader, slot, parent)
        if loader == "RandomGeneratorNode":
            # numpy rebuilds the bit generator from a class name kept as a plain string.
            yield _Node(f"numpy.random.{_bit_generator(value)}", "ObjectNode", None, None)
        for key, item in value.items():
            if key == "content" and loader == "ObjectNode":
                pending.append((item, _STATE, name))
            elif key == "content" and slot == _STATE and isinstance(item, dict):
                # The object's state dict: attribute name -> node.
                pending.extend((node, attribute, parent) for attribute, node in item.items())
            else:
                pending.append((item, None, None))


def _bit_generator(node: dict[str, Any]) -> str:
    try:
        name = json.loads(node["content"]["bit_generator"]["content"]["bit_generator"]["content"])
    except (KeyError, TypeError, ValueError):
        return "<unreadable>"
    return name if isinstance(name, str) else "<unreadable>"


_STATE = "\0state"
