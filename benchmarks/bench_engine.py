"""Engine speed: one full bundle (consultation, contract, special provisions) checked with the
shipped rulebook, GiNZA already loaded. Prints seconds per case and the ratio to the
"a few seconds" budget of issue 3 (3 s), for load + structure and for evaluation alone.

    .venv/bin/python benchmarks/bench_engine.py [CASE_DIR ...]
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

BUDGET_S = 3.0


def main(argv: list[str]) -> int:
    from checker import nlp
    from checker.api import load_case
    from checker.engine import evaluate
    from checker.profile import load_profile

    root = Path(__file__).resolve().parents[1]
    cases = [Path(a) for a in argv] or sorted(p for p in (root / "fixtures" / "cases").iterdir() if p.is_dir())
    book = load_profile(None).rulebook
    nlp.parse("乙は、従事者を指定する。")  # the model is loaded before timing
    worst = 0.0
    for c in cases:
        t0 = time.perf_counter()
        case = load_case(c)
        t1 = time.perf_counter()
        for _ in range(3):
            evaluate(case, book, dt.date(2027, 3, 1))
        t2 = time.perf_counter()
        ev = (t2 - t1) / 3
        total = (t1 - t0) + ev
        worst = max(worst, total)
        pages = sum(d.pages for d in case.documents)
        print(f"{c.name:50s} {pages:3d} pages  load {t1 - t0:6.3f}s  evaluate {ev:6.3f}s  ratio {total / BUDGET_S:5.2f}")
    print(f"worst case: {worst:.3f}s = {worst / BUDGET_S:.2f} of the {BUDGET_S:.0f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
