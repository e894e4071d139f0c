"""The exact types a model artifact may hold, per model kind, and the check of a skops schema.

The server holds these lists; a manifest's `trusted_types` can only narrow them. Names are
exact (`module.Class`): no prefixes, so nothing else in a trusted module comes along. Callables
are never types here: a function may appear only as a `FunctionTransformer`'s `func` or
`inverse_func`, and only if it is on the kind's exact function list. Every other way skops can
reach a callable (bound methods, arbitrary `__reduce__`) is refused by its loader name.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Containers and scalars every skops artifact uses (as values and as `key_types`).
_CONTAINERS = frozenset(
    {"builtins.dict", "builtins.list", "builtins.str", "builtins.tuple", "builtins.int",
     "builtins.float", "builtins.bool", "numpy.ndarray", "numpy.float64", "numpy.int64"}
)  # fmt: skip
_FUNCTION_TRANSFORMER = "sklearn.preprocessing._function_transformer.FunctionTransformer"
# Element-wise numpy ufuncs: pure arithmetic on their input, nothing else.
_ELEMENTWISE = frozenset({"numpy.log1p", "numpy.expm1", "numpy.sqrt", "numpy.absolute"})
_LINEAR = frozenset(
    {"sklearn.linear_model._logistic.LogisticRegression", "sklearn.pipeline.Pipeline"}
)

# Loaders that build plain data or allowed objects. Not here: MethodNode (getattr of a named
# attribute), ReduceNode (a callable of the artifact's choosing), OperatorFuncNode, and any
# loader a future skops adds before it is reviewed.
_DATA_LOADERS = frozenset(
    {"ObjectNode", "DictNode", "ListNode", "TupleNode", "JsonNode", "NdArrayNode",
     "SparseMatrixNode", "SetNode", "TreeNode"}
)  # fmt: skip
_REFERENCE_LOADERS = frozenset({"TypeNode", "FunctionNode"})  # a type or function, not called
_CALLABLE_SLOTS = frozenset({"func", "inverse_func"})


@dataclass(frozen=True)
class Allowlist:
    """Types an artifact may instantiate or name, and functions a FunctionTransformer may call."""

    types: frozenset[str]
    functions: frozenset[str] = frozenset()

    def narrowed_to(self, names: list[str]) -> "Allowlist":
        """What the manifest lists, within what the server allows (never more)."""
        wanted = frozenset(names)
        return Allowlist(self.types & wanted, self.functions & wanted)


# Keyed by the manifest's `task` (input and kind: a text pipeline differs from a tabular one).
# From the artifacts `inferno train` writes today (sentiment: hashed TF-IDF + logistic
# regression; risk: scaler + logistic regression; the kinds' examples below), plus, for tabular
# inputs, a FunctionTransformer over element-wise ufuncs. A new kind adds its entry here.
ALLOWLISTS: dict[str, Allowlist] = {
    "text-classification": Allowlist(
        types=_CONTAINERS
        | _LINEAR
        | {
            "sklearn.feature_extraction.text.HashingVectorizer",
            "sklearn.feature_extraction.text.TfidfTransformer",
            "sklearn.pipeline.FeatureUnion",
        },
    ),
    "tabular-classification": Allowlist(
        types=_CONTAINERS
        | _LINEAR
        | {"sklearn.preprocessing._data.StandardScaler", _FUNCTION_TRANSFORMER},
        functions=_ELEMENTWISE,
    ),
    # The kinds' examples (inferno train --model progression | basket | fraud).
    "tabular-regression": Allowlist(
        types=_CONTAINERS
        | {
            "sklearn.pipeline.Pipeline",
            "sklearn.preprocessing._data.StandardScaler",
            "sklearn.linear_model._bayes.BayesianRidge",
            _FUNCTION_TRANSFORMER,
        },
        functions=_ELEMENTWISE,
    ),
    "text-ranking": Allowlist(
        types=_CONTAINERS
        | {
            "sklearn.pipeline.Pipeline",
            "sklearn.feature_extraction.text.CountVectorizer",
            "sklearn.naive_bayes.MultinomialNB",
        },
    ),
    "tabular-anomaly": Allowlist(
        types=_CONTAINERS
        | {
            "sklearn.ensemble._iforest.IsolationForest",
            "sklearn.tree._classes.ExtraTreeRegressor",
            "sklearn.tree._tree.Tree",  # rebuilt from arrays by skops' TreeNode
        },
    ),
}


def allowlist_for(kind: str) -> Allowlist:
    """The server's list for a model kind; an unknown kind may hold nothing."""
    return ALLOWLISTS.get(kind, Allowlist(frozenset()))


@dataclass(frozen=True)
class _Node:
    name: str
    loader: str
    slot: str | None  # the attribute this node is the value of, when its parent is an object
    parent: str | None  # the class whose attribute it is


def refusals(schema: Any, allowed: Allowlist) -> list[str]:
    """Every reason the schema breaks the allowlist, read without loading anything."""
    found: set[str] = set()
    for node in _nodes(schema):
        if node.loader in _REFERENCE_LOADERS:
            transform_step = node.parent == _FUNCTION_TRANSFORMER and node.slot in _CALLABLE_SLOTS
            if node.name in allowed.functions and transform_step:
                continue
            if node.name in allowed.types:
                continue
            found.add(f"{node.name} (a callable or type reference)")
        elif node.loader not in _DATA_LOADERS:
            found.add(f"{node.name} (loader {node.loader})")
        elif node.name not in allowed.types:
            found.add(node.name)
    return sorted(found)


def _nodes(schema: Any) -> Iterator[_Node]:
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
        for key, item in value.items():
            if key == "content" and loader == "ObjectNode":
                pending.append((item, _STATE, name))
            elif key == "content" and slot == _STATE and isinstance(item, dict):
                # The object's state dict: attribute name -> node.
                pending.extend((node, attribute, parent) for attribute, node in item.items())
            else:
                pending.append((item, None, None))


_STATE = "\0state"
