//go:build gc && !purego

package dropout

import (
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// neonKernel returns the neon path. ASIMD is mandatory on arm64, so a build
// where the path is missing or reported unusable is a bug, not a skip.
func neonKernel(t *testing.T) *kernelSet {
	t.Helper()
	for _, k := range registry {
		if k.name == "neon" {
			if !k.usable {
				t.Fatal(`kernel "neon" is registered but not usable: CPU feature detection did not report ASIMD`)
			}
			return k
		}
	}
	t.Fatal(`kernel "neon" is not registered on arm64`)
	return nil
}

func TestNEONRegistered(t *testing.T) {
	t.Logf("cpuid: FP=%v ASIMD=%v (%s)", cpuid.CPU.Supports(cpuid.FP), cpuid.CPU.Supports(cpuid.ASIMD), cpuid.CPU.BrandName)
	k := neonKernel(t)
	if b := best(); b != k {
		t.Errorf("best() = %q, want %q", b.name, k.name)
	}
	if names := Kernels(); len(names) == 0 || names[0] != "neon" {
		t.Errorf("Kernels() = %q, want neon first", names)
	}
}
