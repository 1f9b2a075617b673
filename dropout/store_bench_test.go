package dropout

import (
	"fmt"
	"math/rand"
	"testing"
)

// storeSizes are the buffer sizes BenchmarkStores measures, in bytes per
// buffer: from L1 to past the L3 of the machines ntThreshold was fitted to
// (32 MiB L3; 480 MiB reported by a VM that gets a part of it), with the
// float32 32×64×56×56 activation of the DRAM case in bench/ (25.7 MB).
var storeSizes = []struct {
	name  string
	bytes int
}{
	{"32KiB", 32 << 10},
	{"256KiB", 256 << 10},
	{"1MiB", 1 << 20},
	{"4MiB", 4 << 20},
	{"8MiB", 8 << 20},
	{"12MiB", 12 << 20},
	{"16MiB", 16 << 20},
	{"20MiB", 20 << 20},
	{"25.7MB", 4 * 32 * 64 * 56 * 56},
	{"64MiB", 64 << 20},
	{"128MiB", 128 << 20},
	{"256MiB", 256 << 20},
}

// storePlane is the plane of the 56×56 activations of the DRAM case.
const storePlane = 56 * 56

// BenchmarkStores measures the raw float32 scale-planes kernels of each usable
// amd64-style path with regular and with non-temporal stores, per buffer size:
//
//   - keep: every plane kept (read src, write dst)
//   - drop: every plane dropped (write dst only)
//   - mixed: independent fair bits per plane, as dropout at p = 0.5
//   - inplace: mixed, with dst and src the same slice
//
// beside copy() of the same buffers. SetBytes counts the bytes the kernel
// must read plus write (a kept plane twice, a dropped one once), not the
// reads for ownership that regular stores add, so MB/s compares the work
// done. ntThreshold's rule was fitted to it:
//
//	go test -run '^$' -bench BenchmarkStores -count 6 ./dropout/ | tee stores.txt
//	benchstat -col /store stores.txt
func BenchmarkStores(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, sz := range storeSizes {
		n := sz.bytes / 4
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i%1000) * 0.001
		}
		dst := make([]float32, n)
		plane := min(storePlane, n)
		planes := (n + plane - 1) / plane
		n = planes * plane // whole planes; at most a plane past sz.bytes
		src, dst = append(src, make([]float32, n-len(src))...), append(dst, make([]float32, n-len(dst))...)

		b.Run("kernel=copy/size="+sz.name, func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for range b.N {
				copy(dst, src)
			}
		})

		mixed := make([]uint64, (planes+63)/64)
		for i := range mixed {
			mixed[i] = rng.Uint64()
		}
		keep := make([]uint64, len(mixed))
		for i := range keep {
			keep[i] = ^uint64(0)
		}
		drop := make([]uint64, len(mixed))
		kept := 0
		for i := range planes {
			kept += int(mixed[i/64] >> (i % 64) & 1)
		}
		cases := []struct {
			name    string
			bits    []uint64
			kept    int
			inPlace bool
		}{
			{"keep", keep, planes, false},
			{"drop", drop, 0, false},
			{"mixed", mixed, kept, false},
			{"inplace", mixed, kept, true},
		}

		for _, k := range registry {
			if !k.usable || k.f32.scalePlanesNT == nil {
				continue
			}
			for _, st := range []struct {
				name string
				f    func(dst, src []float32, bits []uint64, first, plane, n int, s float32)
			}{{"regular", k.f32.scalePlanes}, {"nt", k.f32.scalePlanesNT}} {
				for _, c := range cases {
					name := fmt.Sprintf("kernel=%s/store=%s/case=%s/size=%s", k.name, st.name, c.name, sz.name)
					b.Run(name, func(b *testing.B) {
						d := dst
						if c.inPlace {
							d = src
						}
						b.SetBytes(int64(4 * plane * (2*c.kept + (planes - c.kept))))
						for range b.N {
							// s = 1 keeps src unchanged in place, so every
							// iteration does the same work.
							st.f(d, src, c.bits, 0, plane, planes, 1)
						}
					})
				}
			}
		}
	}
}
