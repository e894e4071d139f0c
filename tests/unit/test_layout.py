"""Unit tests mirror the modules: each module with logic under handlers/, shared/ and
model_build/ has tests/unit/<same package path>/test_<module>.py, or an entry in EXEMPT saying
where it is tested instead and why.

A module has logic when it defines a function or a method; one that only declares constants,
schemas, re-exports or exception classes does not need a test file of its own. A package's
`__init__.py` with logic is mirrored as tests/unit/<parent>/test_<package>.py.

`python -m tests.unit.test_layout` prints the counts and the modules without a mirror.
"""

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "tests" / "unit"
PACKAGES = ("handlers", "shared", "model_build")

# Module path -> where it is tested instead, and why not in a mirror of its own.
EXEMPT: dict[str, str] = {
    "handlers/http/auth/keyring.py": "covered by tests/integration/test_key_revocation.py: its "
    "refresh is seen across server processes",
    "handlers/http/auth/service.py": "covered by tests/unit/shared/auth/test_quota_factory.py: "
    "auth_from_settings picks the quota store",
    "shared/auth/keys.py": "covered by tests/unit/handlers/http/test_auth.py: keys are found, "
    "refused and scoped through the app",
    "shared/auth/quota_table.py": "covered by tests/unit/handlers/http/auth/test_leases.py and "
    "tests/unit/shared/auth/test_quota_factory.py: every lease test runs on the DynamoDB table "
    "(moto)",
    "shared/capture/receipt_dynamo.py": "covered by tests/unit/shared/capture/test_receipts.py: "
    "the receipt-store tests run on both backends",
    "shared/capture/receipt_sqlite.py": "covered by tests/unit/shared/capture/test_receipts.py: "
    "the receipt-store tests run on both backends",
    "shared/capture/service.py": "covered by tests/integration/test_capture.py: wiring of "
    "sampler, sinks and receipts behind a real server",
    "shared/capture/sinks.py": "covered by tests/integration/test_capture.py: the local "
    "directory sink is what the capture tests read",
    "shared/capture/writer.py": "covered by tests/unit/shared/capture/test_feedback.py and "
    "tests/integration/test_capture.py: the sampler and writer",
    "shared/events/event.py": "covered by tests/unit/shared/events/test_outbox.py and "
    "test_sinks.py: events are built and sent there",
    "shared/events/service.py": "covered by tests/unit/shared/events/test_escalations.py: "
    "escalations through the app and the Lambda entry",
    "shared/drift/columns.py": "covered by tests/unit/handlers/cli/drift/test_current.py: "
    "the columns compared are chosen there",
    "shared/drift/descriptors.py": "covered by tests/integration/test_drift_report.py: text "
    "compared through descriptors (Evidently)",
    "shared/observability/notrace.py": "covered by tests/unit/test_start_up_imports.py: what it "
    "is for is the X-Ray SDK left unimported",
    "handlers/cli/alias_wait.py": "covered by tests/integration/test_alias_wait.py: waits on a "
    "running service",
    "handlers/cli/drift/__init__.py": "covered by tests/integration/test_drift_report.py: `inferno "
    "drift` on seeded weeks",
    "handlers/cli/drift/captured.py": "covered by tests/integration/test_drift_report.py: "
    "reads seeded weeks of capture",
    "handlers/cli/drift/job.py": "covered by tests/integration/test_drift_report.py: the whole "
    "drift run on seeded weeks",
    "handlers/cli/drift/outputs.py": "covered by tests/integration/test_drift_report.py: the "
    "report files it writes are read there",
    "handlers/cli/drift/report.py": "covered by tests/integration/test_drift_report.py: "
    "Evidently's report on drifted and ordinary weeks",
    "handlers/cli/drift/sources.py": "covered by tests/unit/handlers/cli/drift/test_current.py: "
    "a local capture source is read there",
    "handlers/cli/package.py": "covered by tests/integration/test_bring_your_own_model.py and "
    "tests/unit/model_build/packaging/test_package.py: `inferno package`",
    "handlers/cli/smoke.py": "covered by tests/integration/test_smoke.py: starts a real server "
    "for the script CI and CD run",
    "handlers/cli/jobs/__init__.py": "covered by tests/integration/test_jobs_cli.py: `inferno "
    "jobs` parsed and run on real exports",
    "handlers/cli/jobs/batches.py": "covered by tests/unit/shared/jobs/test_spec.py: batches cut "
    "from a spec's records",
    "handlers/cli/jobs/runner.py": "covered by tests/unit/shared/jobs/test_scoring.py: run_job "
    "scores a local export end to end",
    "handlers/cli/jobs/sfn.py": "covered by tests/unit/shared/jobs/test_aws.py: the Step Functions "
    "job on moto",
    "handlers/cli/keys_admin.py": "covered by tests/unit/handlers/cli/test_keys.py: `inferno keys` "
    "creates, lists and revokes keys through it",
    "handlers/cli/retrain.py": "covered by tests/integration/test_daily_release.py: `inferno "
    "retrain` on three days of feed",
    "handlers/http/admission/declared.py": "covered by "
    "tests/unit/handlers/http/admission/test_stage.py and routes/test_predict.py: what each route "
    "admits",
    "handlers/http/admission/fields.py": "covered by tests/integration/test_http_service.py: a "
    "body of 95,000 unknown fields refused naming the first few",
    "handlers/http/deps.py": "covered by tests/unit/handlers/http/routes/: every route takes its "
    "registry and settings through these",
    "handlers/http/schemas.py": "covered by tests/unit/handlers/http/test_openapi.py: the bodies "
    "the OpenAPI document names",
    "handlers/server/health_port.py": "covered by tests/integration/test_health_port.py: a second "
    "port answered by a running server",
    "handlers/server/health_responder.py": "covered by tests/integration/test_health_port.py: the "
    "process that answers the health port",
    "model_build/evaluation.py": "covered by tests/integration/test_training.py: the model and "
    "VADER evaluated on the held-out split",
    "model_build/examples/__init__.py": "covered by "
    "tests/integration/test_bring_your_own_model.py: fit_and_keep by the LightGBM and boosting "
    "examples",
    "model_build/examples/churn_graph.py": "covered by "
    "tests/unit/shared/serving/test_onnx_model.py and test_bring_your_own_model.py: trains the "
    "graph served",
    "model_build/examples/claims_boosting.py": "covered by "
    "tests/integration/test_bring_your_own_model.py: an example script run as the guide runs it",
    "model_build/examples/feedback_text.py": "covered by "
    "tests/integration/test_bring_your_own_model.py: an example script run as the guide runs it",
    "model_build/examples/fraud_forest.py": "covered by "
    "tests/unit/model_build/examples/test_fraud_feed.py and test_retrain.py: the forest retrained "
    "daily",
    "model_build/examples/lightgbm_onnx.py": "covered by "
    "tests/integration/test_bring_your_own_model.py: an example script run as the guide runs it",
    "model_build/examples/train_basket.py": "covered by tests/unit/shared/kinds/test_ranking.py: "
    "its conftest trains the basket ranker",
    "model_build/examples/train_fraud.py": "covered by tests/unit/shared/kinds/test_anomaly.py: "
    "its conftest trains the fraud scorer",
    "model_build/examples/train_progression.py": "covered by "
    "tests/unit/shared/kinds/test_regression.py and examples/test_tabular.py: trains the regressor",
    "model_build/examples/train_risk.py": "covered by tests/unit/shared/serving/test_registry.py: "
    "tests/support/inprocess.py serves the risk model",
    "model_build/packaging/categories.py": "covered by "
    "tests/unit/model_build/packaging/test_sources.py: unseen categories settled for an MLflow "
    "pipeline",
    "model_build/packaging/schema.py": "covered by "
    "tests/unit/model_build/packaging/test_package.py and test_sources.py: the typed input schema",
    "model_build/release/artifacts.py": "covered by "
    "tests/unit/model_build/packaging/test_package.py and test_sources.py: read_manifest on what "
    "they wrote",
    "model_build/sentiment/candidates.py": "covered by tests/integration/test_training.py: the "
    "default candidate trained and measured",
    "model_build/sentiment/datasets.py": "covered by "
    "tests/unit/model_build/sentiment/test_corpus.py: the datasets the corpus is built from",
    "model_build/sentiment/review_data.py": "covered by "
    "tests/unit/model_build/sentiment/test_corpus.py: the review data read and deduplicated",
    "model_build/sentiment/cost.py": "covered by "
    "tests/unit/model_build/sentiment/test_selection.py: the serving cost a candidate is chosen by",
    "model_build/sentiment/domains.py": "covered by tests/integration/test_training.py: the model "
    "against VADER on every issue domain",
    "model_build/sentiment/fitting.py": "covered by tests/integration/test_training.py: every "
    "training there fits through it",
    "model_build/sentiment/leave_one_out.py": "covered by tests/integration/test_training.py: "
    "seven fits of a small pipeline, each domain left out and scored beside VADER",
    "model_build/sentiment/lexicon_data.py": "covered by "
    "tests/unit/model_build/sentiment/test_negation_suite.py: its rows are checked against the "
    "suite there",
    "model_build/sentiment/robustness_report.py": "covered by tests/integration/test_training.py: "
    "the report's suite, calibration and left-out sections are read there",
    "model_build/sentiment/length_shares.py": "covered by tests/integration/test_training.py: the "
    "report's shares by review length",
    "model_build/sentiment/report.py": "covered by tests/integration/test_training.py: the "
    "report's tables and confusion matrix pictures",
    "model_build/sentiment/train_sentiment.py": "covered by tests/integration/test_training.py; a "
    "training script, too slow for a unit test",
    "model_build/sentiment/vader_baseline.py": "covered by tests/integration/test_training.py: the "
    "VADER baseline the model must beat",
    "shared/jobs/batch.py": "covered by tests/unit/shared/jobs/test_scoring.py and "
    "test_records.py: run_batch on local exports",
    "model_build/packaging/graphs.py": "covered by tests/integration/test_bring_your_own_model.py: "
    "the churn ONNX graph packaged",
    "model_build/release/reference.py": "covered by "
    "tests/unit/model_build/packaging/test_package.py and tests/unit/shared/drift/test_profile.py: "
    "the reference profile written",
    "handlers/http/docs.py": "covered by tests/unit/handlers/http/test_app.py: the docs page "
    "served by the app factory",
}


@dataclass(frozen=True)
class Layout:
    with_logic: tuple[str, ...]
    mirrored: tuple[str, ...]
    exempt: tuple[str, ...]
    missing: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"unit test files by module: {len(self.mirrored)} of {len(self.with_logic)} modules "
            f"with logic mirrored, {len(self.exempt)} exempt"
        )


def has_logic(source: str) -> bool:
    """A function or a method anywhere in the module."""
    tree = ast.parse(source)
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for node in ast.walk(tree))


def modules() -> list[Path]:
    found = (path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    return sorted(path for path in found if "results" not in path.relative_to(ROOT).parts)


def mirror(module: str) -> Path:
    """tests/unit/<package path>/test_<module>.py; a package's __init__ is tested as the package."""
    path = Path(module)
    if path.name == "__init__.py":
        path = path.parent
    return UNIT / path.parent / f"test_{path.stem}.py"


@cache
def layout() -> Layout:
    with_logic = tuple(
        p.relative_to(ROOT).as_posix() for p in modules() if has_logic(p.read_text())
    )
    mirrored = tuple(m for m in with_logic if mirror(m).is_file())
    exempt = tuple(m for m in with_logic if m in EXEMPT and m not in mirrored)
    missing = tuple(m for m in with_logic if m not in mirrored and m not in EXEMPT)
    return Layout(with_logic, mirrored, exempt, missing)


def test_every_module_with_logic_has_a_unit_test_of_its_name_or_a_reason() -> None:
    missing = [f"{m}: no {mirror(m).relative_to(ROOT)}" for m in layout().missing]
    assert missing == [], f"{layout().summary()}; without a mirror or an EXEMPT reason:\n" + (
        "\n".join(missing)
    )


def test_exemptions_name_modules_with_logic_and_no_mirror() -> None:
    # An entry outlives its reason when the module moves, loses its logic or gains a mirror.
    stale = [m for m in EXEMPT if m not in layout().exempt]
    assert stale == []


def test_exemptions_give_a_reason() -> None:
    assert [m for m, reason in EXEMPT.items() if len(reason.split()) < 3] == []


def test_has_logic_counts_functions_and_methods_only() -> None:
    assert has_logic("def f() -> None:\n    pass\n")
    assert has_logic("class A:\n    def f(self) -> None:\n        pass\n")
    assert not has_logic('"""Doc."""\nfrom x import y\n\nLIMIT = 3\n__all__ = ["y"]\n')
    assert not has_logic("class Body(BaseModel):\n    text: str\n")
    assert not has_logic('class Gone(Exception):\n    """Gone."""\n')


def test_a_package_is_mirrored_by_a_test_named_after_it() -> None:
    assert mirror("shared/store/local.py") == UNIT / "shared" / "store" / "test_local.py"
    assert mirror("shared/store/__init__.py") == UNIT / "shared" / "test_store.py"
    assert mirror("shared/settings.py") == UNIT / "shared" / "test_settings.py"


if __name__ == "__main__":
    found = layout()
    print(found.summary())
    for module in found.missing:
        print(f"  no mirror: {module} (tests/unit/{mirror(module).relative_to(UNIT)})")
