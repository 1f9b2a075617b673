module github.com/simdrop/simdrop/examples

go 1.24.0

replace github.com/simdrop/simdrop => ..

require (
	github.com/simdrop/simdrop v0.0.0-00010101000000-000000000000
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)
