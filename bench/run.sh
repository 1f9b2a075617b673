#!/usr/bin/env bash
# Runs the Dropout2d benchmarks (every kernel path, copy() and a naive Go
# loop, measured in the same run) and prints benchstat tables: each path
# against copy(), and each path against the naive loop.
#
#   ./bench/run.sh                 # -count 10
#   COUNT=6 BENCHTIME=200ms ./bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-10}
benchtime=${BENCHTIME:-300ms}
out=bench/out
mkdir -p "$out"
go test -run '^$' -bench 'BenchmarkDropout2d' -count "$count" -benchtime "$benchtime" ./bench/ | tee "$out/dropout2d.txt"
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20250813145418-2f7363a06fe1)
kernels=$(go run ./cmd/simdrop info | sed -n 's/^kernels: *\([^(]*\) (.*/\1/p' | tr -d ',')
echo
echo "== against copy() (speed-up > 1 means faster than copy)"
"${benchstat[@]}" -col "/kernel@(copy bound naive $kernels)" -row /shape "$out/dropout2d.txt"
echo
echo "== against the naive Go loop"
"${benchstat[@]}" -col "/kernel@(naive $kernels)" -row /shape "$out/dropout2d.txt"
