"""The header put on Evidently's page: what is compared, the verdict and the live quality."""

from typing import Any

from handlers.cli.drift.page import with_header

PAGE = "<html><head></head><body><main>evidently</main></body></html>"


def summary(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": "sentiment",
        "version": "v2",
        "window": {"since": "2026-11-01", "until": "2026-11-08"},
        "current": {"items": 1200},
        "reference": {"rows": 5000},
        "drift": {"detected": True, "share": 0.6, "threshold": 0.5},
        "live_quality": {"metric": "accuracy", "value": 0.91234, "count": 40},
    }
    return base | changes


def test_the_header_states_the_model_window_verdict_and_quality() -> None:
    page = with_header(PAGE, summary())
    assert page.startswith("<html><head><title>Drift report: sentiment v2</title></head><body>")
    assert "1200 captured items against 5000 reference rows" in page
    assert "drift detected: 60% of compared columns drifted (threshold 50%)" in page
    assert "Live accuracy: 0.9123 over 40 labelled predictions" in page
    assert page.endswith("<main>evidently</main></body></html>")


def test_no_feedback_and_no_drift_are_said_as_such() -> None:
    quiet = summary(drift={"detected": False, "share": 0.0, "threshold": 0.5}, live_quality=None)
    page = with_header(PAGE, quiet)
    assert "no drift: 0% of compared columns drifted" in page
    assert "no feedback joined to a captured prediction" in page


def test_names_from_the_capture_are_escaped() -> None:
    page = with_header(PAGE, summary(model="<script>x</script>"))
    assert "<script>" not in page and "&lt;script&gt;" in page
