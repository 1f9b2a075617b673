//go:build linux || darwin

package dropout

import (
	"math/rand/v2"
	"testing"
)

// TestPhiloxRawGuardPages: every path's philoxRaw with dst flush against a
// PROT_NONE page after its last word or before its first, at every block
// count 1..80 and a few larger ones, from counters that carry into the high
// half at every block of a batch, matches rawRef and touches nothing
// outside dst.
func TestPhiloxRawGuardPages(t *testing.T) {
	r := rand.New(rand.NewPCG(145, 146))
	lengths := []int{}
	for n := 1; n <= 80; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 255, 256, 257, 1023, 1031)
	counters := rawCarryCounters(r)
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		mem := newGuardedMem(t, 16*1031)
		for i, n := range lengths {
			for _, atEnd := range []bool{true, false} {
				c := counters[(i+len(lengths)*boolInt(atEnd))%len(counters)]
				key := r.Uint64()
				dst := guardedSlice[uint32](mem, 4*n, atEnd)
				restore := panicOnFault()
				ok := callSafely(func(format string, args ...any) {
					t.Errorf("n=%d dst at end %v: philoxRaw: "+format, append([]any{n, atEnd}, args...)...)
				}, func() { k.philoxRaw(dst, key, c.Lo, c.Hi) }, spanOf("dst", dst))
				restore()
				if !ok {
					t.FailNow()
				}
				want := rawRefBlocks(key, c, n)
				for j := range dst {
					if dst[j] != want[j] {
						t.Fatalf("n=%d dst at end %v ctr %#x: word %d = %#x, want %#x", n, atEnd, c, j, dst[j], want[j])
					}
				}
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
