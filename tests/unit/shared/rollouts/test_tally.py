import threading

import pytest

from shared.rollouts.agreement import Comparison
from shared.rollouts.tally import Figures, Tally


def test_a_tally_counts_from_many_threads_without_losing_one() -> None:
    tally = Tally()

    def work() -> None:
        for _ in range(1000):
            tally.compared(Comparison(score=1.0, confidence_gap=0.1))
            tally.called(candidate=True)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = tally.snapshot()
    assert figures.compared == 4000 and figures.candidate.calls == 4000
    assert figures.agreement == 1.0 and figures.confidence_gap == pytest.approx(0.1)


def test_workers_figures_sum_and_derive_rates_and_ratios() -> None:
    one, two = Tally(), Tally()
    one.compared(Comparison(score=1.0))
    two.compared(Comparison(score=0.0))
    one.called(candidate=False)
    one.timed(production_ms=10.0, candidate_ms=15.0)
    two.called(candidate=True)
    two.called(candidate=True, failed=True)
    two.dropped()
    total = Figures.total([one.snapshot(), two.snapshot()])
    assert total.agreement == 0.5
    assert total.latency_ratio == 1.5
    assert total.candidate.error_rate == 0.5
    assert total.summary()["shadow_dropped"] == 1


def test_empty_figures_have_no_rates_rather_than_zeros() -> None:
    figures = Figures()
    assert figures.agreement is None and figures.latency_ratio is None
    assert figures.candidate.error_rate == 0.0 and figures.candidate.mean_ms is None


def test_a_snapshot_does_not_move_with_the_tally() -> None:
    tally = Tally()
    before = tally.snapshot()
    tally.dropped()
    assert before.shadow_dropped == 0 and tally.snapshot().shadow_dropped == 1
