package gomlx

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func newBackend(t testing.TB) *Backend {
	t.Helper()
	b, err := backends.NewWithConfig(BackendName)
	if err != nil {
		t.Fatal(err)
	}
	sb, ok := b.(*Backend)
	if !ok {
		t.Fatalf("backend %q is a %T, not a *Backend", BackendName, b)
	}
	return sb
}

// rawBits returns the elements of a buffer as unsigned integers of their
// width.
func rawBits(t testing.TB, b *Backend, buf backends.Buffer) []uint64 {
	t.Helper()
	flat, err := b.BufferData(buf)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(flat)
	n := v.Len()
	out := make([]uint64, n)
	if n == 0 {
		return out
	}
	p := v.UnsafePointer()
	switch v.Type().Elem().Size() {
	case 1:
		for i, x := range unsafe.Slice((*uint8)(p), n) {
			out[i] = uint64(x)
		}
	case 2:
		for i, x := range unsafe.Slice((*uint16)(p), n) {
			out[i] = uint64(x)
		}
	case 4:
		for i, x := range unsafe.Slice((*uint32)(p), n) {
			out[i] = uint64(x)
		}
	case 8:
		copy(out, unsafe.Slice((*uint64)(p), n))
	default:
		t.Fatalf("element size %d", v.Type().Elem().Size())
	}
	return out
}

func stateBuffer(t testing.TB, b *Backend, s [3]uint64) backends.Buffer {
	t.Helper()
	buf, err := b.BufferFromFlatData(0, s[:], backends.RNGStateShape)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func stateOf(t testing.TB, b *Backend, buf backends.Buffer) [3]uint64 {
	t.Helper()
	var s [3]uint64
	if err := b.BufferToFlatData(buf, s[:]); err != nil {
		t.Fatal(err)
	}
	return s
}

// oneCall compiles state parameter → RNGBitGenerator(shape) and runs it.
func oneCall(t testing.TB, b *Backend, state [3]uint64, shape shapes.Shape) ([]uint64, [3]uint64) {
	t.Helper()
	bld := b.Builder("one")
	p, err := bld.Parameter("state", backends.RNGStateShape, nil)
	if err != nil {
		t.Fatal(err)
	}
	ns, v, err := bld.RNGBitGenerator(p, shape)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := bld.Compile([]backends.Op{ns, v}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	out, err := exec.Execute([]backends.Buffer{stateBuffer(t, b, state)}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := out[1]; true {
		s, err := b.BufferShape(got)
		if err != nil || !s.Equal(shape) {
			t.Fatalf("values shaped %s (%v), want %s", s, err, shape)
		}
	}
	return rawBits(t, b, out[1]), stateOf(t, b, out[0])
}

// States whose counters carry from the low word into the high one within a
// call, wrap at 2¹²⁸, or do neither.
var testStates = [][3]uint64{
	{0, 0, 0},
	{0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x0F1E2D3C4B5A6978},
	{42, ^uint64(0) - 2, 9},              // low word carries into the high one
	{7, ^uint64(0) - 1, ^uint64(0)},      // the counter wraps to 0
	{^uint64(0), 0xFFFFFFFF, 0xFFFFFFFF}, // carry across counter word 1 only
}

// Every dtype XLA's PhiloxBitGenerator produces, by width: 8- and 16-bit
// ones are the low bits of one 32-bit word each; floats the bits of the
// unsigned integer of their width. (simplego has no Float16 parameters.)
var testDTypes = []dtypes.DType{
	dtypes.Uint8, dtypes.Int8, dtypes.Uint16, dtypes.Int16, dtypes.BFloat16,
	dtypes.Uint32, dtypes.Int32, dtypes.Float32, dtypes.Uint64, dtypes.Int64, dtypes.Float64,
}

func TestRNGBitGeneratorMatchesReference(t *testing.T) {
	b := newBackend(t)
	lengths := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4097}
	for _, dt := range testDTypes {
		t.Run(dt.String(), func(t *testing.T) {
			for _, st := range testStates {
				for _, n := range lengths {
					got, gotState := oneCall(t, b, st, shapes.Make(dt, n))
					want, wantState := refBits(st, dt.Bits(), n)
					if i := firstDiff(got, want); i >= 0 {
						t.Fatalf("state %#x, %d values: element %d = %#x, want %#x", st, n, i, got[i], want[i])
					}
					if gotState != wantState {
						t.Fatalf("state %#x, %d values: new state %#x, want %#x", st, n, gotState, wantState)
					}
				}
			}
		})
	}
}

// A narrow output larger than the chunk it is drawn in, and a multi-axis
// shape, which is filled in row-major order.
func TestRNGBitGeneratorLargeAndShaped(t *testing.T) {
	b := newBackend(t)
	st := testStates[2]
	for _, shape := range []shapes.Shape{
		shapes.Make(dtypes.Uint16, narrowChunk+5),
		shapes.Make(dtypes.Uint8, 2, narrowChunk/2+3),
		shapes.Make(dtypes.Float32, 3, 5, 7),
		shapes.Make(dtypes.Int64, 2, 3, 5),
		shapes.Make(dtypes.Uint32, 1<<20+3), // split across goroutines by package dropout
	} {
		got, gotState := oneCall(t, b, st, shape)
		want, wantState := refBits(st, shape.DType.Bits(), shape.Size())
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("%s: element %d = %#x, want %#x", shape, i, got[i], want[i])
		}
		if gotState != wantState {
			t.Fatalf("%s: new state %#x, want %#x", shape, gotState, wantState)
		}
	}
}

func firstDiff(a, b []uint64) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// One graph with a constant state and chained calls: a call on the state of
// the one before, and graph.RNGStateSplit's pattern, a u64[3] of values
// used as the state of the next call. Run twice, feeding the state back.
func TestRNGBitGeneratorChained(t *testing.T) {
	b := newBackend(t)
	c0 := [3]uint64{11, ^uint64(0) - 3, 5}
	p0 := [3]uint64{99, 1, 2}

	bld := b.Builder("chain")
	sc, err := bld.Constant(c0[:], 3)
	if err != nil {
		t.Fatal(err)
	}
	s1, v1, err := bld.RNGBitGenerator(sc, shapes.Make(dtypes.Uint32, 10))
	must(t, err)
	s2, v2, err := bld.RNGBitGenerator(s1, shapes.Make(dtypes.Float64, 5))
	must(t, err)
	_, v3, err := bld.RNGBitGenerator(s2, backends.RNGStateShape) // split
	must(t, err)
	s4, v4, err := bld.RNGBitGenerator(v3, shapes.Make(dtypes.Uint16, 3))
	must(t, err)
	x, err := bld.Parameter("x", shapes.Make(dtypes.Float32, 2), nil) // a parameter after the calls
	must(t, err)
	ps, err := bld.Parameter("state", backends.RNGStateShape, nil)
	must(t, err)
	s5, v5, err := bld.RNGBitGenerator(ps, shapes.Make(dtypes.Int8, 6))
	must(t, err)
	exec, err := bld.Compile([]backends.Op{v1, v2, v4, s4, x, s5, v5}, nil)
	must(t, err)
	defer exec.Finalize()

	names, ins := exec.Inputs()
	if fmt.Sprint(names) != "[x state]" || len(ins) != 2 {
		t.Fatalf("Inputs() = %v %v, want x and state", names, ins)
	}

	w1, r1 := refBits(c0, 32, 10)
	w2, r2 := refBits(r1, 64, 5)
	w3, _ := refBits(r2, 64, 3)
	w4, r4 := refBits([3]uint64{w3[0], w3[1], w3[2]}, 16, 3)
	state := p0
	for run := 0; run < 2; run++ {
		xb, err := b.BufferFromFlatData(0, []float32{1, 2}, shapes.Make(dtypes.Float32, 2))
		must(t, err)
		out, err := exec.Execute([]backends.Buffer{xb, stateBuffer(t, b, state)}, nil, 0)
		must(t, err)
		w5, r5 := refBits(state, 8, 6)
		for i, c := range []struct {
			got, want []uint64
		}{
			{rawBits(t, b, out[0]), w1},
			{rawBits(t, b, out[1]), w2},
			{rawBits(t, b, out[2]), w4},
			{rawBits(t, b, out[3]), r4[:]},
			{rawBits(t, b, out[5]), r5[:]},
			{rawBits(t, b, out[6]), w5},
		} {
			if j := firstDiff(c.got, c.want); j >= 0 {
				t.Fatalf("run %d, output %d: %#x, want %#x", run, i, c.got, c.want)
			}
		}
		state = stateOf(t, b, out[5])
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A state the backend cannot compute before the graph runs, and dtypes XLA
// does not generate, are errors when the graph is built.
func TestRNGBitGeneratorErrors(t *testing.T) {
	b := newBackend(t)
	bld := b.Builder("errors")
	p, err := bld.Parameter("state", backends.RNGStateShape, nil)
	must(t, err)
	sum, err := bld.Add(p, p)
	must(t, err)
	if _, _, err := bld.RNGBitGenerator(sum, shapes.Make(dtypes.Uint32, 4)); err == nil ||
		!strings.Contains(err.Error(), "state must be") {
		t.Errorf("state from Add: err = %v, want one about the state", err)
	}
	for _, dt := range []dtypes.DType{dtypes.Bool, dtypes.Complex64, dtypes.Complex128} {
		if _, _, err := bld.RNGBitGenerator(p, shapes.Make(dt, 4)); err == nil {
			t.Errorf("dtype %s: no error", dt)
		}
	}
	x, err := bld.Parameter("x", shapes.Make(dtypes.Uint64, 4), nil)
	must(t, err)
	if _, _, err := bld.RNGBitGenerator(x, shapes.Make(dtypes.Uint32, 4)); err == nil {
		t.Errorf("state shaped u64[4]: no error")
	}
}
