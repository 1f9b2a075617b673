//go:build gc && !purego

package dropout

// archKernels lists this architecture's assembly paths, fastest first.
var archKernels []*kernelSet
