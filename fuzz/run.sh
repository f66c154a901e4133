#!/usr/bin/env bash
# Longer fuzzing runs: ./fuzz/run.sh [SECONDS per harness, default 600]
# Crashes land in fuzz/artifacts/ (crash-*, timeout-*, oom-*): turn each into a regression
# test in tests/test_fuzz_regressions.py with its input.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
py=.venv/bin/python
$py fuzz/make_corpus.py
mkdir -p fuzz/artifacts
for h in read structure engine; do
  echo "== fuzz_$h for ${secs}s"
  $py fuzz/fuzz_$h.py fuzz/corpus/$h -max_total_time="$secs" -rss_limit_mb=3072 -timeout=60 \
      -artifact_prefix=fuzz/artifacts/$h- -print_final_stats=1 || echo "fuzz_$h stopped with status $? (see fuzz/artifacts)"
done
