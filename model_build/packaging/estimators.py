"""What scikit-learn can tell of a fitted estimator: is it one, what it predicts, its options."""

from typing import Any

from model_build.packaging.errors import PackagingError
from shared.manifest import ModelKindName

KINDS: tuple[ModelKindName, ...] = ("classification", "regression", "ranking", "anomaly")


def infer_kind(estimator: Any) -> ModelKindName:
    """What scikit-learn can tell; otherwise the user must say."""
    from sklearn.base import is_classifier, is_outlier_detector, is_regressor

    try:
        if is_classifier(estimator):
            return "classification"
        if is_regressor(estimator):
            return "regression"
        if is_outlier_detector(estimator):
            return "anomaly"
    except (TypeError, AttributeError):
        pass  # not scikit-learn's API: the user says
    raise PackagingError(
        f"cannot tell what {type(estimator).__name__} predicts: pass --kind with one of {KINDS}"
    )


def require_fitted(estimator: Any) -> None:
    if not hasattr(estimator, "predict") and not hasattr(estimator, "score_samples"):
        raise PackagingError(
            f"{type(estimator).__name__} is not a model (it has no predict): pass a fitted "
            "estimator or pipeline"
        )
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise PackagingError(f"{type(estimator).__name__} is not fitted: call fit first") from exc
    except (TypeError, AttributeError):
        pass  # not a scikit-learn estimator (LightGBM): the conversion will tell


def kind_options(kind: str, estimator: Any, threshold: float | None) -> dict[str, Any]:
    if kind != "anomaly":
        return {}
    if threshold is None:
        final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
        if not hasattr(final, "offset_"):
            raise PackagingError("pass --threshold: the score at which an item is flagged")
        threshold = -float(final.offset_)  # scikit-learn's own decision boundary
    return {"threshold": threshold}
