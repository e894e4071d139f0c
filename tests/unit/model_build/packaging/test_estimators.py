"""What an estimator is served as: not a model, not fitted, the wrong width; an anomaly
scorer's threshold."""

from pathlib import Path

import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest, RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from model_build.packaging import PackagingError, package_model
from tests.support.packaging import FRAME


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (StandardScaler().fit(FRAME), "StandardScaler is not a model"),
        (KMeans(2, n_init=1).fit(FRAME), "cannot tell what KMeans predicts: pass --kind"),
        (RandomForestClassifier(), "RandomForestClassifier is not fitted"),
        (
            LinearRegression().fit(FRAME[["amount"]].to_numpy(), FRAME["items"]),
            "the estimator takes 1 features",
        ),
    ],
    ids=["transformer", "clusterer", "unfitted", "width"],
)
def test_what_is_not_a_servable_model_is_named(model: object, says: str, tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match=says):
        package_model(
            model, FRAME.drop(columns=["member"]).to_numpy() if False else FRAME, tmp_path, name="x"
        )


def test_an_anomaly_scorer_keeps_scikit_learns_threshold(tmp_path: Path) -> None:
    scorer = IsolationForest(random_state=0).fit(FRAME)
    manifest = package_model(scorer, FRAME, tmp_path, name="odd")
    assert manifest.kind == "anomaly" and manifest.format == "skops"
    assert manifest.options["threshold"] == pytest.approx(-scorer.offset_)
    flagged = [check.expected["anomaly"] for check in [manifest.sample, *manifest.checks]]  # type: ignore[index]
    assert flagged == list(scorer.predict(FRAME.head(5)) == -1)
