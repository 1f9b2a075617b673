// Package fuzz holds the fuzz targets of the dropout package: every kernel
// path against the generic oracle on arbitrary shapes, probabilities,
// alignments and data, and the public API against arbitrary input.
//
//	go test -run '^$' -fuzz '^FuzzKernelsMatchGeneric$' -fuzztime 30s ./fuzz/
package fuzz
