package dropout

import (
	"fmt"
	"testing"
	"unsafe"
)

// philoxSizes are the tensor sizes BenchmarkDropoutPhilox measures, in
// bytes of float32 dst: in L1, in L2, and the 32×64×56×56 activation of
// the DRAM case in bench/ (25.7 MB).
var philoxSizes = []struct {
	name  string
	bytes int
}{
	{"16KiB", 16 << 10},
	{"512KiB", 512 << 10},
	{"25.7MB", 4 * 32 * 64 * 56 * 56},
}

// BenchmarkDropoutPhilox measures the fused elementwise dropout kernel of
// every usable path at p = 0.5, out of place, writing the mask bits, beside
// copy() of the same buffers. SetBytes counts the bytes read and written
// (src and dst; the mask is 1/32 of dst), so MB/s compares with copy:
//
//	go test -run '^$' -bench BenchmarkDropoutPhilox -count 6 ./dropout/ | tee philox.txt
//	benchstat -col /kernel philox.txt
func BenchmarkDropoutPhilox(b *testing.B) {
	benchDropoutPhilox[float32](b)
	benchDropoutPhilox[float64](b)
}

func benchDropoutPhilox[T float32 | float64](b *testing.B) {
	size := int(unsafe.Sizeof(T(0)))
	for _, sz := range philoxSizes {
		n := sz.bytes / 4 // the float32 element count, for either type
		src := make([]T, n)
		for i := range src {
			src[i] = T(i%1000) * 0.001
		}
		dst := make([]T, n)
		bits := make([]uint64, (n+63)/64)
		t := uint32(threshold(0.5))
		name := fmt.Sprintf("type=%T/size=%s", T(0), sz.name)
		b.Run("kernel=copy/"+name, func(b *testing.B) {
			b.SetBytes(int64(2 * n * size))
			for range b.N {
				copy(dst, src)
			}
		})
		for _, k := range registry {
			if !k.usable {
				continue
			}
			b.Run("kernel="+k.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(2*n*size + 8*len(bits)))
				for i := range b.N {
					typed[T](k).dropoutPhilox(dst, src, bits, 7, uint64(i)*uint64(n/4+1), t, 2)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}

// BenchmarkDropoutVsDropout2d measures the public elementwise Dropout beside
// Dropout2d on the float32 32×64×56×56 activation of the DRAM case, one
// goroutine, p = 0.5, out of place, on the selected path (SIMDROP_KERNEL):
// the cost of drawing one Philox word per element instead of one per plane.
func BenchmarkDropoutVsDropout2d(b *testing.B) {
	shape := []int{32, 64, 56, 56}
	n := 32 * 64 * 56 * 56
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i%1000) * 0.001
	}
	dst := make([]float32, n)
	defer SetParallelism(SetParallelism(1))
	g := NewGenerator(1)
	for _, op := range []struct {
		name string
		f    func([]float32, []float32, []int, float64, *Generator, ...Option) (*Mask, error)
	}{{"Dropout", Dropout[float32]}, {"Dropout2d", Dropout2d[float32]}} {
		b.Run("op="+op.name+"/kernel="+Kernel(), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for range b.N {
				if _, err := op.f(dst, src, shape, 0.5, g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKeepBits measures drawing a mask of n decisions (a channel mask,
// DropBlock's seeds) on every usable path, at p = 0.5.
func BenchmarkKeepBits(b *testing.B) {
	for _, n := range []int{8, 64, 128, 256, 512, 1024, 2048, 32768} {
		bits := make([]uint64, (n+63)/64)
		t := threshold(0.5)
		for _, k := range registry {
			if !k.usable {
				continue
			}
			b.Run(fmt.Sprintf("kernel=%s/n=%d", k.name, n), func(b *testing.B) {
				for i := range b.N {
					k.keepBits(bits, 7, uint64(i)<<20, n, t)
				}
			})
		}
	}
}

// BenchmarkPhiloxBits measures PhiloxBits32 on every usable path for 6.4 M
// words (a gomlx RngBitGenerator call of 6.4 M 32-bit draws) and 64 K
// words, split across goroutines as the package does (par=all) and on one
// goroutine (par=1), reporting ns per 32-bit word:
//
//	go test -run '^$' -bench BenchmarkPhiloxBits -count 6 ./dropout/ | tee raw.txt
//	benchstat -col /kernel raw.txt
func BenchmarkPhiloxBits(b *testing.B) {
	for _, n := range []int{64 << 10, 6_400_000} {
		dst := make([]uint32, n)
		for _, par := range []int{0, 1} {
			pname := "all"
			if par == 1 {
				pname = "1"
			}
			for _, k := range registry {
				if !k.usable {
					continue
				}
				b.Run(fmt.Sprintf("kernel=%s/words=%d/par=%s", k.name, n, pname), func(b *testing.B) {
					prev := current()
					defer active.Store(prev)
					active.Store(k)
					if par == 1 {
						defer SetParallelism(SetParallelism(1))
					}
					b.SetBytes(int64(4 * n))
					c := Counter{1<<64 - 5, 3}
					for range b.N {
						c = PhiloxBits32(dst, 7, c)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/word")
				})
			}
		}
	}
}
