import time

from course.lib.timing import best_time


def test_best_time_is_the_fastest_call_after_a_warmup():
    durations = iter([0.0, 0.03, 0.01, 0.02])  # warm-up, then three timed calls
    calls = []

    def work():
        calls.append(1)
        time.sleep(next(durations))

    best = best_time(work, repeats=3)
    assert len(calls) == 4
    assert 0.01 <= best < 0.02
