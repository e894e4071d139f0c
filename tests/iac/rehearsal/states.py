"""The little of Step Functions the rehearsal needs to walk the definition itself: reference
paths (`$.a.b`, `$$.Execution.Id`) in Parameters, ResultSelector and BatchInput."""

from typing import Any


def path(expression: str, data: Any, context: dict[str, Any]) -> Any:
    """`$` is the state's input, `$$` the context object."""
    root, rest = (
        (context, expression[2:]) if expression.startswith("$$") else (data, expression[1:])
    )
    for part in filter(None, rest.split(".")):
        root = root[part]
    return root


def render(template: Any, data: Any, context: dict[str, Any] | None = None) -> Any:
    """A Parameters-style template: keys ending in `.$` take the value their path selects."""
    if isinstance(template, dict):
        return {
            key.removesuffix(".$"): (
                path(value, data, context or {})
                if key.endswith(".$")
                else render(value, data, context)
            )
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [render(item, data, context) for item in template]
    return template
