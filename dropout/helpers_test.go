package dropout

import "testing"

// forEachKernel runs f once per usable kernel path, as a subtest named after
// the path, with that path selected for the package; the previous selection is
// restored afterwards. Tests that use it must not run in parallel.
func forEachKernel(t *testing.T, f func(t *testing.T, k *kernelSet)) {
	t.Helper()
	prev := current()
	defer active.Store(prev)
	for _, k := range registry {
		if !k.usable {
			continue
		}
		active.Store(k)
		t.Run(k.name, func(t *testing.T) { f(t, k) })
	}
}

// numel is the element count of shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
