module github.com/simdrop/simdrop/gomlx

go 1.24.3

replace github.com/simdrop/simdrop => ..

require (
	github.com/gomlx/gomlx v0.26.0
	github.com/pkg/errors v0.9.1
	github.com/simdrop/simdrop v0.0.0-00010101000000-000000000000
)

require (
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/x448/float16 v0.8.4
	golang.org/x/exp v0.0.0-20250819193227-8b4c13bb791b // indirect
	golang.org/x/sys v0.39.0 // indirect
	k8s.io/klog/v2 v2.130.1 // indirect
)
