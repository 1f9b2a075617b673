package dropout

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// The proof of the fused residual kernels: every primitive of every path,
// every element type, against a one-element-at-a-time statement of the
// contract — kept ((x ⊕ b) ⊗ s) ⊕ r rounded in that order (the half types
// in float32, then once to T), a NaN result the default quiet NaN, dropped
// r's bits — at every length to 200 and beyond, every bias length and
// phase, offsets, in place (dst = res or dst = src) and out, with guard
// elements around dst that must not change.

// residElem is what the tests need of element type T with scales S.
type residElem[T Float, S float32 | float64] struct {
	name   string
	random func(rng *rand.Rand, n int) []T
	ref    func(x, b, r T, hasBias bool, s S) T
	scales []S
}

func floatResid[T float32 | float64]() residElem[T, T] {
	fk := kind[T]()
	return residElem[T, T]{
		name:   fmt.Sprintf("%T", T(0)),
		random: func(rng *rand.Rand, n int) []T { return fk.pool(rng, n) },
		ref: func(x, b, r T, hasBias bool, s T) T {
			if hasBias {
				x = T(x + b)
			}
			return canonNaN(T(x*s) + r)
		},
		scales: []T{1.5, T(scale32(0.1)), 2, 1000, 1, T(scale64(0.3))},
	}
}

func halfResid[T BFloat16 | Float16]() residElem[T, float32] {
	hk := halfOf[T]()
	return residElem[T, float32]{
		name:   hk.name,
		random: hk.pool,
		ref: func(x, b, r T, hasBias bool, s float32) T {
			v := hk.widen(uint16(x))
			if hasBias {
				v = float32(v + hk.widen(uint16(b)))
			}
			return T(hk.round(canonNaN(float32(v*s) + hk.widen(uint16(r)))))
		},
		scales: halfScales,
	}
}

func TestResidualKernelsMatchReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("f32", func(t *testing.T) { testResidualKernels(t, &k.f32, floatResid[float32]()) })
		t.Run("f64", func(t *testing.T) { testResidualKernels(t, &k.f64, floatResid[float64]()) })
		t.Run("bf16", func(t *testing.T) { testResidualKernels(t, &k.bf16, halfResid[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testResidualKernels(t, &k.f16, halfResid[Float16]()) })
	})
}

func testResidualKernels[T Float, S float32 | float64](t *testing.T, tab *typedKernels[T, S], el residElem[T, S]) {
	rng := rand.New(rand.NewSource(21))
	const guard = 8
	// run makes a case of n elements, calls the kernel and checks every
	// element against want(i, x, b, r) and the guards of dst.
	type bufs struct{ dst, src, res, bias []T }
	run := func(what string, n, nb int, call func(b bufs), kept func(i int) (bool, S), phase int) bool {
		mode := rng.Intn(3) // 0 out of place, 1 dst = res, 2 dst = src
		arena := func(m int) ([]T, []T) {
			all := el.random(rng, guard+8+m+guard)
			off := guard + rng.Intn(8)
			return all, all[off : off+m : off+m]
		}
		srcAll, src := arena(n)
		resAll, res := arena(n)
		_ = srcAll
		var bias []T
		if nb > 0 {
			_, bias = arena(nb)
		}
		x, r := append([]T(nil), src...), append([]T(nil), res...)
		want := make([]T, n)
		for i := range want {
			if k, s := kept(i); k {
				var bi T
				if nb > 0 {
					bi = bias[(phase+i)%nb]
				}
				want[i] = el.ref(x[i], bi, r[i], nb > 0, s)
			} else {
				want[i] = r[i]
			}
		}
		dstAll, dst := arena(n)
		switch mode {
		case 1:
			dstAll, dst = resAll, res
		case 2:
			dstAll, dst = srcAll, src
		}
		guardCopy := append([]T(nil), dstAll...)
		what = fmt.Sprintf("%s n %d bias %d phase %d mode %d", what, n, nb, phase, mode)
		if !callSafely(func(f string, a ...any) { t.Errorf(what+": "+f, a...) }, func() { call(bufs{dst, src, res, bias}) }) {
			return false
		}
		for i := range want {
			if !eqBits(dst[i], want[i]) {
				t.Errorf("%s: element %d = %v (%#x), want %v (%#x)", what, i, dst[i], anyBits(dst[i]), want[i], anyBits(want[i]))
				return false
			}
		}
		lo := int(uintptrDiff(dst, dstAll))
		for i := range dstAll {
			if (i < lo || i >= lo+n) && !eqBits(dstAll[i], guardCopy[i]) {
				t.Errorf("%s: wrote outside dst at %d", what, i-lo)
				return false
			}
		}
		return true
	}
	lengths := halfLengths()
	biasLen := func(n int) int {
		switch rng.Intn(4) {
		case 0:
			return 0
		case 1:
			return n // a single row
		}
		return 1 + rng.Intn(70)
	}
	t.Run("residualBits", func(t *testing.T) {
		for _, n := range lengths {
			first, s, nb := rng.Intn(128), el.scales[rng.Intn(len(el.scales))], biasLen(n)
			phase := 0
			if nb > 0 {
				phase = rng.Intn(nb)
			}
			bits := make([]uint64, (first+n+63)/64)
			fillBits(bits, rng, rng.Intn(6), first, n)
			if !run("residualBits", n, nb, func(b bufs) { tab.residualBits(b.dst, b.src, b.res, b.bias, bits, first, phase, s) },
				func(i int) (bool, S) { return bits[(first+i)>>6]>>((first+i)&63)&1 == 1, s }, phase) {
				return
			}
		}
	})
	t.Run("residualPlanes", func(t *testing.T) {
		for plane := 1; plane <= 70; plane++ {
			for _, np := range []int{1, 2, 5, 19} {
				first, s := rng.Intn(128), el.scales[rng.Intn(len(el.scales))]
				nb := 0
				if rng.Intn(3) > 0 { // a bias row that divides the plane
					divs := []int{}
					for d := 1; d <= plane; d++ {
						if plane%d == 0 {
							divs = append(divs, d)
						}
					}
					nb = divs[rng.Intn(len(divs))]
				}
				bits := make([]uint64, (first+np+63)/64)
				fillBits(bits, rng, rng.Intn(6), first, np)
				if !run(fmt.Sprintf("residualPlanes plane %d n %d", plane, np), plane*np, nb,
					func(b bufs) { tab.residualPlanes(b.dst, b.src, b.res, b.bias, bits, first, plane, np, s) },
					func(i int) (bool, S) { q := first + i/plane; return bits[q>>6]>>(q&63)&1 == 1, s }, 0) {
					return
				}
			}
		}
		for _, plane := range []int{128, 768, 3136, 4099} {
			first, s, np := rng.Intn(128), el.scales[rng.Intn(len(el.scales))], 1+rng.Intn(7)
			bits := make([]uint64, (first+np+63)/64)
			fillBits(bits, rng, rng.Intn(6), first, np)
			if !run(fmt.Sprintf("residualPlanes plane %d n %d", plane, np), plane*np, plane,
				func(b bufs) { tab.residualPlanes(b.dst, b.src, b.res, b.bias, bits, first, plane, np, s) },
				func(i int) (bool, S) { q := first + i/plane; return bits[q>>6]>>(q&63)&1 == 1, s }, 0) {
				return
			}
		}
	})
	t.Run("residualRows", func(t *testing.T) {
		for _, n := range lengths {
			w := 1 + rng.Intn(min(n, 300))
			v := make([]S, w)
			for j := range v {
				if rng.Intn(3) > 0 {
					v[j] = el.scales[rng.Intn(len(el.scales))]
				}
			}
			nb := 0
			if rng.Intn(3) > 0 {
				divs := []int{}
				for d := 1; d <= w; d++ {
					if w%d == 0 {
						divs = append(divs, d)
					}
				}
				nb = divs[rng.Intn(len(divs))]
			}
			if !run(fmt.Sprintf("residualRows width %d", w), n, nb, func(b bufs) { tab.residualRows(b.dst, b.src, b.res, b.bias, v) },
				func(i int) (bool, S) { return v[i%w] != 0, v[i%w] }, 0) {
				return
			}
		}
	})
	t.Run("residualPhilox", func(t *testing.T) {
		ts := []uint32{0, 1, 1 << 31, 0xE6666666, 0xFFFFFFFF}
		for _, n := range lengths {
			seed, start := rng.Uint64(), rng.Uint64()
			if rng.Intn(4) == 0 {
				start = ^uint64(0) - uint64(rng.Intn(64))
			}
			th, s, nb := ts[rng.Intn(len(ts))], el.scales[rng.Intn(len(el.scales))], biasLen(n)
			phase := 0
			if nb > 0 {
				phase = rng.Intn(nb)
			}
			want := make([]uint64, (n+63)/64)
			fillKeep(want, seed, start, n, uint64(th))
			var got []uint64
			if rng.Intn(2) == 0 {
				got = make([]uint64, len(want))
			}
			if !run(fmt.Sprintf("residualPhilox t %#x bits %v", th, got != nil), n, nb,
				func(b bufs) { tab.residualPhilox(b.dst, b.src, b.res, b.bias, got, seed, start, th, phase, s) },
				func(i int) (bool, S) { return want[i>>6]>>(i&63)&1 == 1, s }, phase) {
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("residualPhilox n %d: bits[%d] = %#x, want %#x", n, i, got[i], want[i])
				}
			}
		}
	})
	t.Run("sumRows", func(t *testing.T) {
		for _, n := range lengths {
			nb := 1 + rng.Intn(min(n, 600))
			dx := el.random(rng, n)
			db := make([]T, nb)
			if !callSafely(func(f string, a ...any) { t.Errorf("sumRows: "+f, a...) }, func() { tab.sumRows(db, dx) }) {
				return
			}
			for j := 0; j < nb; j++ {
				if want := sumColumn(dx, nb, j); !eqBits(db[j], want) {
					t.Fatalf("sumRows n %d width %d: db[%d] = %v, want %v", n, nb, j, db[j], want)
				}
			}
		}
	})
}

// sumColumn returns a function giving column j's row-order sum of dx in
// T's accumulation type (float32 for the half types), rounded to T.
func sumColumn[T Float](dx []T, nb, j int) T {
	{
		switch kindOf[T]() {
		case kindF64:
			var s float64
			for i := j; i < len(dx); i += nb {
				s += float64(dx[i])
			}
			return T(canonNaN(s))
		case kindF32:
			var s float32
			for i := j; i < len(dx); i += nb {
				s += float32(dx[i])
			}
			return T(canonNaN(s))
		}
		bf := kindOf[T]() == kindBF16
		var s float32
		for i := j; i < len(dx); i += nb {
			s += widenHalf(uint16(dx[i]), bf)
		}
		return T(roundHalf(canonNaN(s), bf))
	}
}

func anyBits[T Float](x T) uint64 {
	switch v := any(x).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	case float64:
		return math.Float64bits(v)
	case BFloat16:
		return uint64(v)
	case Float16:
		return uint64(v)
	}
	return 0
}

func eqBits[T Float](a, b T) bool { return anyBits(a) == anyBits(b) }

// uintptrDiff is the element offset of s in all.
func uintptrDiff[T Float](s, all []T) uintptr {
	var z T
	return (reflect.ValueOf(s).Pointer() - reflect.ValueOf(all).Pointer()) / reflect.TypeOf(z).Size()
}

// TestResidualKernelsPresent: every SIMD path has its own fused-residual
// kernels for every element type, not the generic ones.
func TestResidualKernelsPresent(t *testing.T) {
	ptr := func(f any) uintptr { return reflect.ValueOf(f).Pointer() }
	for _, k := range registry {
		if !k.usable || k == genericKernels {
			continue
		}
		check := func(name string, fn, gf any) {
			if reflect.ValueOf(fn).IsNil() {
				t.Errorf("path %s has no %s kernel", k.name, name)
			} else if ptr(fn) == ptr(gf) {
				t.Errorf("path %s: %s is the generic kernel", k.name, name)
			}
		}
		g := genericKernels
		check("f32.residualPlanes", k.f32.residualPlanes, g.f32.residualPlanes)
		check("f32.residualRows", k.f32.residualRows, g.f32.residualRows)
		check("f32.residualBits", k.f32.residualBits, g.f32.residualBits)
		check("f32.residualPhilox", k.f32.residualPhilox, g.f32.residualPhilox)
		check("f32.sumRows", k.f32.sumRows, g.f32.sumRows)
		check("f64.residualPlanes", k.f64.residualPlanes, g.f64.residualPlanes)
		check("f64.residualRows", k.f64.residualRows, g.f64.residualRows)
		check("f64.residualBits", k.f64.residualBits, g.f64.residualBits)
		check("f64.residualPhilox", k.f64.residualPhilox, g.f64.residualPhilox)
		check("f64.sumRows", k.f64.sumRows, g.f64.sumRows)
		check("bf16.residualPlanes", k.bf16.residualPlanes, g.bf16.residualPlanes)
		check("bf16.residualRows", k.bf16.residualRows, g.bf16.residualRows)
		check("bf16.residualBits", k.bf16.residualBits, g.bf16.residualBits)
		check("bf16.residualPhilox", k.bf16.residualPhilox, g.bf16.residualPhilox)
		check("bf16.sumRows", k.bf16.sumRows, g.bf16.sumRows)
		check("f16.residualPlanes", k.f16.residualPlanes, g.f16.residualPlanes)
		check("f16.residualRows", k.f16.residualRows, g.f16.residualRows)
		check("f16.residualBits", k.f16.residualBits, g.f16.residualBits)
		check("f16.residualPhilox", k.f16.residualPhilox, g.f16.residualPhilox)
		check("f16.sumRows", k.f16.sumRows, g.f16.sumRows)
	}
}

// TestResidualParallelBitIdentical: a fused residual call split across
// goroutines at any unit boundary (mid-row for the elementwise forms, so
// the bias phase moves) gives one goroutine's bits.
func TestResidualParallelBitIdentical(t *testing.T) {
	defer SetParallelism(SetParallelism(0))
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	minChunkNs = 1e-9 // split whatever the size
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("f32", func(t *testing.T) { testResidualParallel(t, floatResid[float32]()) })
		t.Run("bf16", func(t *testing.T) { testResidualParallel(t, halfResid[BFloat16]()) })
	})
}

func testResidualParallel[T Float, S float32 | float64](t *testing.T, el residElem[T, S]) {
	rng := rand.New(rand.NewSource(22))
	type opCase struct {
		name  string
		shape []int
		call  func(dst, src []T, shape []int, o Option) error
	}
	ops := []opCase{
		{"Dropout", []int{9, 333}, func(d, s []T, sh []int, o Option) error {
			_, err := Dropout(d, s, sh, 0.3, NewGenerator(1), o)
			return err
		}},
		{"DropoutNoMask", []int{5, 197}, func(d, s []T, sh []int, o Option) error {
			_, err := DropoutNoMask(d, s, sh, 0.3, NewGenerator(1), o)
			return err
		}},
		{"Dropout2d", []int{3, 17, 5, 7}, func(d, s []T, sh []int, o Option) error {
			_, err := Dropout2d(d, s, sh, 0.3, NewGenerator(1), o)
			return err
		}},
		{"Dropout2dNHWC", []int{3, 5, 7, 19}, func(d, s []T, sh []int, o Option) error {
			_, err := Dropout2dNHWC(d, s, sh, 0.3, NewGenerator(1), o)
			return err
		}},
		{"DropBlock2d", []int{2, 3, 13, 11}, func(d, s []T, sh []int, o Option) error {
			_, err := DropBlock2d(d, s, sh, 0.3, 3, NewGenerator(1), o)
			return err
		}},
	}
	for _, op := range ops {
		n := 1
		for _, d := range op.shape {
			n *= d
		}
		x, r, b := el.random(rng, n), el.random(rng, n), el.random(rng, op.shape[len(op.shape)-1])
		var want []T
		for _, w := range []int{1, 2, 3, 7, 64} {
			SetParallelism(w)
			dst := make([]T, n)
			if err := op.call(dst, x, op.shape, Residual(r, b)); err != nil {
				t.Fatal(err)
			}
			if w == 1 {
				want = dst
				continue
			}
			for i := range want {
				if !eqBits(dst[i], want[i]) {
					t.Fatalf("%s, %d goroutines: dst[%d] = %#x, one goroutine gives %#x", op.name, w, i, anyBits(dst[i]), anyBits(want[i]))
				}
			}
		}
	}
}
