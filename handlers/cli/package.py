"""`inferno package`: a data scientist's fitted model becomes a model directory for `publish`."""

import argparse
import json
from pathlib import Path

from shared.kinds import KINDS


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    package = sub.add_parser(
        "package",
        help="turn a fitted model (.skops, a trusted .joblib/.pkl, an MLflow directory, .onnx) "
        "and a sample of its inputs into a model directory ready for `inferno publish`",
    )
    package.add_argument("model", type=Path, help="the model file or MLflow model directory")
    package.add_argument("--name", required=True, help="the model's name in the store")
    package.add_argument(
        "--sample",
        type=Path,
        help="rows of inputs (.csv, .jsonl, .parquet) that fix the input schema; its first rows "
        "become the checks every load repeats (an MLflow model's input example if omitted)",
    )
    package.add_argument("--label", help="the sample's target column: metrics on it, not an input")
    package.add_argument(
        "--kind",
        choices=[kind.name for kind in KINDS],
        help="what it predicts, when it cannot be told",
    )
    package.add_argument(
        "--format",
        choices=["auto", "skops", "onnx"],
        default="auto",
        help="artifact format; auto takes ONNX when it converts and agrees, else skops",
    )
    package.add_argument("--output", type=Path, help="directory to write (default build/<name>)")
    package.add_argument("--labels", help="ONNX graphs: class names in output order, a,b,c")
    package.add_argument("--threshold", type=float, help="anomaly: the score at which to flag")
    package.add_argument(
        "--tolerance",
        type=float,
        default=1e-4,
        help="largest difference allowed between the artifact's and the estimator's answers",
    )
    package.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a .joblib/.pkl (it runs code: only a file you made); the output holds none",
    )
    package.add_argument("--description", default="")
    package.set_defaults(func=cmd_package)


def cmd_package(args: argparse.Namespace) -> int:
    from model_build.packaging import PackagingError, package_model
    from model_build.packaging.samples import read_sample
    from model_build.packaging.sources import load_source

    source = load_source(args.model, trust_pickle=args.trust_pickle)
    if args.sample is not None:
        declared = source.column_types or {}
        sample = read_sample(args.sample, [c for c, kind in declared.items() if kind == "string"])
    elif source.example is not None:
        sample = source.example
    else:
        raise PackagingError("pass --sample: a file of input rows that fixes the model's schema")
    output = args.output or Path("build") / args.name
    manifest = package_model(
        source.model,
        sample,
        output,
        name=args.name,
        kind=args.kind,
        label=args.label,
        format=args.format,
        labels=args.labels.split(",") if args.labels else None,
        threshold=args.threshold,
        tolerance=args.tolerance,
        description=args.description,
        hints=source,
    )
    packaging = manifest.metrics.get("packaging", {})
    print(
        json.dumps(
            {
                "name": manifest.name,
                "version": manifest.version,
                "kind": manifest.kind,
                "format": manifest.format,
                "output": str(output),
                "agreement": packaging.get("detail"),
                "not_chosen": packaging.get("fallback", []),
            }
        )
    )
    print(f"next: inferno publish {output}")
    return 0
