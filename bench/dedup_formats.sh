#!/usr/bin/env bash
# dedup between JSON Lines and Parquet on one corpus: time and peak memory.
#   bash bench/dedup_formats.sh bench/out/g100000   (needs corpus.jsonl and corpus.parquet there;
#   bench/python_api.py writes corpus.parquet)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
D="$root/target/release/doublet"
C="${1:?corpus folder}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for round in 1 2; do
  for v in "jsonl kept.jsonl" "parquet kept.parquet" "jsonl kept2.parquet"; do
    set -- $v
    /usr/bin/time -f "round $round: $1 -> $2: %e s, peak %M KB" \
      "$D" dedup "$C/corpus.$1" -o "$out/$2" --removed "$out/removed-$2" --annotate -q 2>&1 | grep -v "^doublet:"
  done
done
ls -l "$out"
