// Package bench holds the benchmarks of the dropout kernels against copy()
// and a naive Go loop, measured in the same run. Run ./bench/run.sh from the
// repository root for benchstat tables.
package bench
