"""Bring your own model: a fitted estimator, a trusted pickle, an MLflow model or an ONNX graph
becomes a model directory ready for `inferno publish` (see model_build/SERVE_YOUR_MODEL.md)."""

from model_build.packaging.errors import PackagingError
from model_build.packaging.package import package_model

__all__ = ["PackagingError", "package_model"]
