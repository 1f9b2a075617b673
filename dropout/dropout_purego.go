//go:build purego || !gc || !(amd64 || arm64)

package dropout

// archKernels is empty where no assembly is built: the generic path serves.
var archKernels []*kernelSet
