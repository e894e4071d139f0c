"""`inferno drift` on seeded weeks of captured traffic in the issue 21 layout, for the sentiment
model (text, compared through descriptors) and the fraud forest (tabular, packaged as a data
scientist would): a drifted week is detected and raises the alarm metric, an ordinary one does
not, feedback gives live accuracy, bad input is exit 2 (issue 21, items 4 and 6)."""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from model_build.release.publish import publish
from shared.drift.profile import PROFILE_FILENAME
from shared.store.local import LocalStore
from tests.conftest import QUICK_ROWS
from tests.support.drift_data import (
    ATTACK,
    FRAUD_NAME,
    fraud_week,
    package_fraud_forest,
    unseen_corpus_texts,
)
from tests.support.drift_week import WEEK_END, angry_texts, load_model, write_week
from tests.support.emf import emf_documents, metric_values
from tests.support.servers import ROOT

pytestmark = pytest.mark.integration

UNTIL = WEEK_END.isoformat().replace("+00:00", "Z")
WEEK_ITEMS = 2000
FEEDBACK_SHARE = 0.3


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        assert len(self.summaries) == 1, self.stdout + self.stderr
        return self.summaries[0]

    def metric(self, name: str, model: str) -> list[float]:
        values = metric_values(emf_documents(self.stdout), name)
        return values.get((("model", model), ("service", "inferno")), [])


def inferno_drift(*args: str, env: dict[str, str] | None = None) -> Run:
    import os

    command = [sys.executable, "-m", "handlers.cli.main", "drift", *args]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summaries = [line for line in lines if "drift" in line and "_aws" not in line]
    return Run(done.returncode, done.stdout, done.stderr, summaries)


@pytest.fixture(scope="module")
def fraud_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fraud-forest")
    package_fraud_forest(directory)
    return directory


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path, fraud_dir: Path
) -> LocalStore:
    store = LocalStore(tmp_path_factory.mktemp("drift-store"))
    publish(sentiment_model_dir, store)
    publish(fraud_dir, store)
    return store


@dataclass(frozen=True)
class Week:
    capture: Path
    written: dict[str, Any]


@pytest.fixture(scope="module")
def weeks(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path, fraud_dir: Path
) -> dict[str, Week]:
    """Four weeks, each in its own capture root: calm and drifted, per model."""
    sentiment, fraud = load_model(sentiment_model_dir), load_model(fraud_dir)
    texts, labels = unseen_corpus_texts(WEEK_ITEMS, seed=7, trained_rows=QUICK_ROWS, train_seed=42)
    angry = angry_texts(WEEK_ITEMS, seed=8)
    plans: dict[str, tuple[Any, list[Any], list[Any], int]] = {
        "sentiment-calm": (sentiment, [{"text": t} for t in texts], labels, 21),
        "sentiment-drifted": (
            sentiment, [{"text": t} for t in angry], ["negative"] * len(angry), 22,
        ),
        "fraud-calm": (fraud, *fraud_week(WEEK_ITEMS, seed=31), 31),
        "fraud-drifted": (fraud, *fraud_week(WEEK_ITEMS, seed=32, traffic=ATTACK), 32),
    }  # fmt: skip
    found = {}
    for name, (model, items, truth, seed) in plans.items():
        root = tmp_path_factory.mktemp(name)
        written = write_week(root, model, items, truth, seed=seed, feedback_share=FEEDBACK_SHARE)
        found[name] = Week(root, written)
    return found


@pytest.fixture(scope="module")
def runs(
    store: LocalStore, weeks: dict[str, Week], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """Each week's report, as the scheduled job asks for it: metrics on, failing on drift."""
    output = tmp_path_factory.mktemp("drift-reports")
    found = {}
    for name, week in weeks.items():
        model = "sentiment" if name.startswith("sentiment") else FRAUD_NAME
        found[name] = inferno_drift(
            model, "--store", str(store.root), "--capture", str(week.capture),
            "--output", str(output), "--since", "7d", "--until", UNTIL,
            "--emit-metrics", "--fail-on-drift",
        )  # fmt: skip
    return found


MODELS = {"sentiment": "sentiment", "fraud": FRAUD_NAME}


@pytest.mark.parametrize("week", ["sentiment", "fraud"])
def test_a_drifted_week_is_detected_and_sets_the_alarm_metric(
    runs: dict[str, Run], week: str
) -> None:
    # GIVEN a week of traffic unlike the reference (shouted complaints; a card-testing attack)
    run = runs[f"{week}-drifted"]
    # WHEN its report is built with --fail-on-drift THEN drift is detected: exit 3, DriftDetected 1
    assert run.code == 3, run.stderr
    drift = run.summary()["drift"]
    print(week, "drifted week:", _figures(run.summary()))  # shown by `pytest -rP`
    assert drift["detected"] is True
    assert drift["share"] >= drift["threshold"]
    assert drift["prediction_drift"] is True
    assert run.metric("DriftDetected", MODELS[week]) == [1]
    assert run.metric("DriftScore", MODELS[week]) == [drift["share"]]
    # AND the report names what moved, with a score per column
    assert {c["column"] for c in drift["columns"] if c["drifted"]} == set(drift["drifted_columns"])
    assert all(isinstance(c["score"], float) and c["method"] for c in drift["columns"])


def test_the_drifted_texts_move_their_descriptors_and_labels(runs: dict[str, Run]) -> None:
    drifted = set(runs["sentiment-drifted"].summary()["drift"]["drifted_columns"])
    assert {"shouting_share", "non_letter_share", "prediction_label"} <= drifted


@pytest.mark.parametrize("week", ["sentiment", "fraud"])
def test_an_ordinary_week_is_not_drift(runs: dict[str, Run], week: str) -> None:
    # GIVEN a week of traffic like the reference (unseen corpus texts; the same generator)
    run = runs[f"{week}-calm"]
    # WHEN its report is built with --fail-on-drift THEN it passes and DriftDetected is 0
    assert run.code == 0, run.stderr
    drift = run.summary()["drift"]
    print(week, "ordinary week:", _figures(run.summary()))  # shown by `pytest -rP`
    assert drift["detected"] is False
    assert drift["share"] < drift["threshold"]
    assert run.metric("DriftDetected", MODELS[week]) == [0]


@pytest.mark.parametrize(
    "week", sorted(["sentiment-calm", "sentiment-drifted", "fraud-calm", "fraud-drifted"])
)
def test_feedback_in_the_week_gives_live_accuracy(
    runs: dict[str, Run], weeks: dict[str, Week], week: str
) -> None:
    # GIVEN a week where 30% of the requests got a label, joined by request id
    written = weeks[week].written
    summary = runs[week].summary()
    # THEN the report's live accuracy is the share of those labels its captured answers matched
    assert summary["feedback"]["joined"] == written["feedback"] > 0
    assert summary["live_quality"] == {
        "metric": "accuracy",
        "value": round(written["correct"] / written["feedback"], 6),
        "count": written["feedback"],
    }
    assert summary["current"]["items"] == written["requests"]


def test_the_report_files_are_written_with_the_summary(runs: dict[str, Run]) -> None:
    summary = runs["fraud-drifted"].summary()
    html = Path(summary["files"]["html"]).read_text()
    assert "Drift report: fraud-forest" in html and "drift detected" in html
    assert json.loads(Path(summary["files"]["summary"]).read_text())["drift"] == summary["drift"]


def test_drift_is_exit_0_unless_asked_to_fail(
    store: LocalStore, weeks: dict[str, Week], tmp_path: Path
) -> None:
    # WHEN a drifted week is reported without --fail-on-drift nor --emit-metrics
    run = inferno_drift(
        FRAUD_NAME, "--store", str(store.root), "--capture", str(weeks["fraud-drifted"].capture),
        "--output", str(tmp_path), "--since", "7d", "--until", UNTIL,
    )  # fmt: skip
    # THEN the report says drift, the command succeeds, and no metric is written
    assert run.code == 0, run.stderr
    assert run.summary()["drift"]["detected"] is True
    assert emf_documents(run.stdout) == []


def test_a_version_without_a_reference_profile_is_bad_input(
    store: LocalStore, fraud_dir: Path, weeks: dict[str, Week], tmp_path: Path
) -> None:
    # GIVEN a store whose fraud forest lost its profile (a version from before profiles)
    bare = LocalStore(tmp_path / "store")
    publish(fraud_dir, bare)
    manifest = json.loads((fraud_dir / "manifest.json").read_text())
    (bare.root / FRAUD_NAME / manifest["version"] / PROFILE_FILENAME).unlink()
    # WHEN a report is asked for THEN exit 2, saying what is missing, and nothing is written
    run = inferno_drift(
        FRAUD_NAME, "--store", str(bare.root), "--capture", str(weeks["fraud-calm"].capture),
        "--output", str(tmp_path / "out"), "--since", "7d", "--until", UNTIL,
    )  # fmt: skip
    assert run.code == 2
    assert "no reference profile" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_window_without_captured_data_is_bad_input(
    store: LocalStore, weeks: dict[str, Week], tmp_path: Path
) -> None:
    run = inferno_drift(
        FRAUD_NAME, "--store", str(store.root), "--capture", str(weeks["fraud-calm"].capture),
        "--output", str(tmp_path), "--since", "1d", "--until", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert run.code == 2
    assert "no captured predictions of fraud-forest" in run.stderr
    assert f"versions captured there: {load_model_version(weeks)}" in run.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "name a MODEL or give --all"),
        (["sentiment", "--since", "last week"], "give a duration such as"),
        (["sentiment", "--capture", "ftp://somewhere"], "read from a directory or s3://"),
    ],
)
def test_bad_arguments_are_exit_2(store: LocalStore, args: list[str], said: str) -> None:
    run = inferno_drift(*args, "--store", str(store.root))
    assert run.code == 2
    assert said in run.stderr


def load_model_version(weeks: dict[str, Week]) -> str:
    base = weeks["fraud-calm"].capture / "predictions" / f"model={FRAUD_NAME}"
    [folder] = list(base.iterdir())
    return folder.name.removeprefix("version=")


def test_the_report_opens_in_a_headless_browser_and_shows_its_plots(runs: dict[str, Run]) -> None:
    from tests.support.browser import chromium_page, non_white_share

    # GIVEN the drifted sentiment week's report, as written
    html = Path(runs["sentiment-drifted"].summary()["files"]["html"])
    compared = len(runs["sentiment-drifted"].summary()["drift"]["columns"])
    with chromium_page() as page:
        # WHEN a browser opens it THEN our header and a reference and a current distribution
        # per compared column are drawn (canvases that are not blank)
        page.send("Page.navigate", url=html.as_uri())
        page.wait_for("document.querySelector('#inferno-drift h1')?.textContent", bool, 60)
        drawn = page.wait_for(DRAWN_CANVASES, lambda n: n >= 2 * compared, 60)
        assert drawn >= 2 * compared
        # AND a column's detail opens on a plotly chart with its traces
        page.evaluate(f"document.querySelector('{DETAIL_TOGGLE}').click()")
        page.wait_for("document.querySelectorAll('.js-plotly-plot .main-svg').length", bool, 30)
        assert page.evaluate("document.querySelectorAll('.js-plotly-plot .trace').length") > 0
        # AND the screenshot, kept as the build's artifact, is far from blank
        png = page.screenshot(SCREENSHOT)
    assert non_white_share(png) > 0.05


SCREENSHOT = ROOT / "build" / "artifacts" / "drift-report.png"
DETAIL_TOGGLE = 'button[aria-label="Detail panel visibility toggle"]'
DRAWN_CANVASES = """Array.from(document.querySelectorAll('canvas')).filter(c => {
    const blank = document.createElement('canvas');
    blank.width = c.width; blank.height = c.height;
    return c.width > 0 && c.toDataURL() !== blank.toDataURL();
}).length"""


def test_the_job_reads_capture_from_s3_and_writes_its_report_there(
    store: LocalStore, weeks: dict[str, Week], runs: dict[str, Run]
) -> None:
    import boto3

    from tests.support.servers import moto_server

    with moto_server() as endpoint:
        # GIVEN the drifted fraud week in a capture bucket, as Firehose files it
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="capture")
        week = weeks["fraud-drifted"].capture
        for path in sorted(p for p in week.rglob("*") if p.is_file()):
            s3.put_object(
                Bucket="capture", Key=f"capture/{path.relative_to(week)}", Body=path.read_bytes()
            )
        # WHEN the job's command runs against it
        run = inferno_drift(
            FRAUD_NAME, "--store", str(store.root), "--capture", "s3://capture/capture",
            "--output", "s3://capture/drift-reports", "--since", "7d", "--until", UNTIL,
            env={"AWS_ENDPOINT_URL_S3": endpoint},
        )  # fmt: skip
        # THEN it finds what the local run found, and leaves both files under the reports prefix
        assert run.code == 0, run.stderr
        summary = run.summary()
        assert summary["drift"] == runs["fraud-drifted"].summary()["drift"]
        assert summary["capture"] == "s3://capture/capture"
        key = summary["files"]["html"].removeprefix("s3://capture/")
        assert key.startswith(f"drift-reports/{FRAUD_NAME}/")
        page = s3.get_object(Bucket="capture", Key=key)
        assert page["ContentType"].startswith("text/html")
        assert b"Drift report: fraud-forest" in page["Body"].read()


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    """What the closing notes quote: the drifted share against its threshold, live quality."""
    drift = summary["drift"]
    return {
        "share": drift["share"],
        "threshold": drift["threshold"],
        "drifted": drift["drifted_columns"],
        "live_quality": summary["live_quality"],
    }
