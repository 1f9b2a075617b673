package gomlx

import (
	"reflect"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"

	"github.com/simdrop/simdrop/dropout"
)

// Executable is a simplego executable whose RNGBitGenerator outputs are
// extra parameters: Execute computes them from the states it is given and
// passes them to simplego with the caller's inputs.
type Executable struct {
	backends.Executable
	backend *Backend
	inputs  []int // see Builder.inputs
	numUser int
	rngs    []rngCall
}

var _ backends.Executable = (*Executable)(nil)

// Inputs returns the names and shapes of the caller's parameters.
func (e *Executable) Inputs() (names []string, inputShapes []shapes.Shape) {
	all, allShapes := e.Executable.Inputs()
	for i, u := range e.inputs {
		if u >= 0 {
			names = append(names, all[i])
			inputShapes = append(inputShapes, allShapes[i])
		}
	}
	return names, inputShapes
}

// Execute runs the graph on the caller's inputs (donate as for simplego):
// first the RNGBitGenerator calls, in the order they were built, then
// simplego's executable.
func (e *Executable) Execute(inputs []backends.Buffer, donate []bool, device backends.DeviceNum) ([]backends.Buffer, error) {
	if len(e.rngs) == 0 {
		return e.Executable.Execute(inputs, donate, device)
	}
	if len(inputs) != e.numUser {
		return nil, errors.Errorf("Execute: expected %d inputs, got %d", e.numUser, len(inputs))
	}
	if len(donate) != 0 && len(donate) != len(inputs) {
		return nil, errors.Errorf("Execute: %d donate flags for %d inputs", len(donate), len(inputs))
	}
	all := make([]backends.Buffer, len(e.inputs))
	allDonate := make([]bool, len(e.inputs))
	for i, u := range e.inputs {
		if u >= 0 {
			all[i] = inputs[u]
			allDonate[i] = len(donate) != 0 && donate[u]
		}
	}
	// outs[k] holds call k's new state and, when they are a u64[3], its values.
	outs := make([][2][3]uint64, len(e.rngs))
	var made []backends.Buffer
	fail := func(err error) ([]backends.Buffer, error) {
		for _, b := range made {
			_ = e.backend.BufferFinalize(b)
		}
		return nil, err
	}
	for k, r := range e.rngs {
		st, err := e.valueOf(r.state, inputs, outs)
		if err != nil {
			return fail(err)
		}
		values, flat, err := e.backend.NewSharedBuffer(device, r.shape)
		if err != nil {
			return fail(err)
		}
		made = append(made, values)
		next := fillBits(flat, r.shape.DType, st[0], dropout.Counter{Lo: st[1], Hi: st[2]})
		if r.shape.Equal(backends.RNGStateShape) {
			copy(outs[k][1][:], flat.([]uint64))
		}
		outs[k][0] = [3]uint64{st[0], next.Lo, next.Hi}
		state, stateFlat, err := e.backend.NewSharedBuffer(device, backends.RNGStateShape)
		if err != nil {
			return fail(err)
		}
		made = append(made, state)
		copy(stateFlat.([]uint64), outs[k][0][:])
		all[r.stateInput], all[r.valuesInput] = state, values
		allDonate[r.stateInput], allDonate[r.valuesInput] = true, true
	}
	return e.Executable.Execute(all, allDonate, device)
}

// valueOf returns the value of a u64[3] source.
func (e *Executable) valueOf(src source, inputs []backends.Buffer, outs [][2][3]uint64) ([3]uint64, error) {
	switch src.kind {
	case fromConstant:
		return src.value, nil
	case fromRNG:
		return outs[src.index][src.out], nil
	}
	var v [3]uint64
	b := inputs[src.index]
	if b == nil {
		return v, errors.Errorf("Execute: input #%d (an RNG state) is nil", src.index)
	}
	if err := e.backend.BufferToFlatData(b, v[:]); err != nil {
		return v, errors.WithMessagef(err, "Execute: reading the RNG state in input #%d", src.index)
	}
	return v, nil
}

// narrowChunk is how many 32-bit words an 8- or 16-bit output draws at a
// time: a multiple of 4, so every chunk starts on a block.
const narrowChunk = 1 << 16

// fillBits fills flat, a slice of dtype, with Philox bits from key and
// counter c in XLA's RNGPhilox layout and returns the next counter.
// 32- and 64-bit dtypes are filled in place; an 8- or 16-bit element is the
// low bits of one 32-bit word; floats hold the bits of the unsigned
// integer of their width.
func fillBits(flat any, dtype dtypes.DType, key uint64, c dropout.Counter) dropout.Counter {
	v := reflect.ValueOf(flat)
	n := v.Len()
	if n == 0 {
		return c
	}
	p := v.UnsafePointer()
	switch dtype.Size() {
	case 4:
		return dropout.PhiloxBits32(unsafe.Slice((*uint32)(p), n), key, c)
	case 8:
		return dropout.PhiloxBits64(unsafe.Slice((*uint64)(p), n), key, c)
	}
	words := make([]uint32, min(n, narrowChunk))
	for i := 0; i < n; i += len(words) {
		w := words[:min(len(words), n-i)]
		c = dropout.PhiloxBits32(w, key, c)
		switch dtype.Size() {
		case 2:
			dst := unsafe.Slice((*uint16)(p), n)[i : i+len(w)]
			for j, x := range w {
				dst[j] = uint16(x)
			}
		case 1:
			dst := unsafe.Slice((*uint8)(p), n)[i : i+len(w)]
			for j, x := range w {
				dst[j] = uint8(x)
			}
		}
	}
	return c
}
