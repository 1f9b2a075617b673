package gomlx

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// BackendName is the name the backend is registered under: the name to use
// in GOMLX_BACKEND or backends.NewWithConfig.
const BackendName = "simdrop"

func init() {
	backends.Register(BackendName, New)
}

// Backend is simplego's backend whose builders serve RNGBitGenerator with
// simdrop's Philox. Every other method is simplego's.
type Backend struct {
	*simplego.Backend
}

var _ backends.Backend = (*Backend)(nil)

// New returns a Backend; config is passed to simplego.New unchanged.
func New(config string) (backends.Backend, error) {
	b, err := simplego.New(config)
	if err != nil {
		return nil, err
	}
	sg, ok := b.(*simplego.Backend)
	if !ok {
		return nil, errors.Errorf("simplego.New returned a %T, not a *simplego.Backend", b)
	}
	return &Backend{Backend: sg}, nil
}

// Name returns the short name of the backend.
func (b *Backend) Name() string { return "simdrop (SimpleGo with simdrop's Philox)" }

// String returns the name the backend is registered under.
func (b *Backend) String() string { return BackendName }

// Description describes the backend in one line.
func (b *Backend) Description() string {
	return "SimpleGo, with RNGBitGenerator from simdrop's SIMD Philox4x32-10 in XLA's RNGPhilox layout"
}

// Builder returns a simplego builder whose RNGBitGenerator is simdrop's.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{
		Builder: b.Backend.Builder(name).(*simplego.Builder),
		backend: b,
		sources: make(map[backends.Op]source),
	}
}

// Builder is a simplego builder that records the parameters, the u64[3]
// constants and the RNGBitGenerator calls of its graph: each call becomes
// two extra parameters of the simplego graph (its new state and its
// values), filled by the Executable before the graph runs.
type Builder struct {
	*simplego.Builder
	backend *Backend

	// inputs are the parameters of the simplego graph in the order they were
	// created: the number of a caller's parameter, or -1 for one standing for
	// an RNGBitGenerator output.
	inputs []int
	// numUser counts the caller's parameters.
	numUser int
	// sources are the u64[3] ops whose value is known before the graph runs.
	sources map[backends.Op]source
	// rngs are the RNGBitGenerator calls, in the order they were made: a
	// call's state never depends on a later one.
	rngs []rngCall
}

var _ backends.Builder = (*Builder)(nil)

// sourceKind says where a u64[3] value comes from.
type sourceKind int

const (
	fromParameter sourceKind = iota // the caller's parameter number index
	fromConstant                    // value
	fromRNG                         // output out of call index
)

// source is a u64[3] value that can be computed before the graph runs.
type source struct {
	kind  sourceKind
	index int
	out   int
	value [3]uint64
}

// rngCall is one RNGBitGenerator call.
type rngCall struct {
	state source
	shape shapes.Shape
	// stateInput and valuesInput are the positions of its outputs in
	// Builder.inputs.
	stateInput, valuesInput int
}

// Parameter creates a parameter of the graph (simplego's) and records it.
func (b *Builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	op, err := b.Builder.Parameter(name, shape, sharding)
	if err != nil {
		return nil, err
	}
	if shape.Equal(backends.RNGStateShape) {
		b.sources[op] = source{kind: fromParameter, index: b.numUser}
	}
	b.inputs = append(b.inputs, b.numUser)
	b.numUser++
	return op, nil
}

// Constant creates a constant (simplego's) and records its value when it
// is a u64[3], a possible RNG state.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	op, err := b.Builder.Constant(flat, dims...)
	if err != nil {
		return nil, err
	}
	if v, ok := flat.([]uint64); ok && len(v) == 3 && len(dims) == 1 && dims[0] == 3 {
		b.sources[op] = source{kind: fromConstant, value: [3]uint64{v[0], v[1], v[2]}}
	}
	return op, nil
}

// RNGBitGenerator returns the new state and a tensor of the given shape
// filled with random bits, as XLA's RngBitGenerator with the PHILOX
// algorithm does for a u64[3] state (see the package documentation). The
// state must be a parameter, a u64[3] constant or an output of an earlier
// RNGBitGenerator of this builder. Bool, complex and sub-byte dtypes are
// errors, as they are for XLA.
func (b *Builder) RNGBitGenerator(state backends.Op, shape shapes.Shape) (newState, values backends.Op, err error) {
	stateShape, err := b.OpShape(state)
	if err != nil {
		return nil, nil, errors.WithMessage(err, "RNGBitGenerator")
	}
	if !stateShape.Equal(backends.RNGStateShape) {
		return nil, nil, errors.Errorf("RNGBitGenerator: the state must be shaped %s, got %s",
			backends.RNGStateShape, stateShape)
	}
	if err := checkBitsDType(shape.DType); err != nil {
		return nil, nil, err
	}
	src, ok := b.sources[state]
	if !ok {
		return nil, nil, errors.Errorf("RNGBitGenerator on the %q backend: the state must be a parameter, a "+
			"constant or an output of an earlier RNGBitGenerator (its bits are computed before the graph runs)",
			BackendName)
	}
	k := len(b.rngs)
	newState, err = b.Builder.Parameter(fmt.Sprintf("#simdrop.rng%d.state", k), backends.RNGStateShape, nil)
	if err != nil {
		return nil, nil, err
	}
	values, err = b.Builder.Parameter(fmt.Sprintf("#simdrop.rng%d.values", k), shape, nil)
	if err != nil {
		return nil, nil, err
	}
	b.rngs = append(b.rngs, rngCall{state: src, shape: shape.Clone(),
		stateInput: len(b.inputs), valuesInput: len(b.inputs) + 1})
	b.inputs = append(b.inputs, -1, -1)
	b.sources[newState] = source{kind: fromRNG, index: k, out: 0}
	if shape.Equal(backends.RNGStateShape) { // graph.RNGStateSplit uses the values as a state
		b.sources[values] = source{kind: fromRNG, index: k, out: 1}
	}
	return newState, values, nil
}

// checkBitsDType returns an error for the dtypes XLA's PhiloxBitGenerator
// does not produce: bool, complex and those narrower than a byte.
func checkBitsDType(dtype dtypes.DType) error {
	if dtype == dtypes.Bool || dtype.IsComplex() {
		return errors.Errorf("RNGBitGenerator: dtype %s is not supported (as for XLA's PHILOX)", dtype)
	}
	switch dtype.Bits() {
	case 8, 16, 32, 64:
		return nil
	}
	return errors.Errorf("RNGBitGenerator: dtype %s of %d bits is not supported", dtype, dtype.Bits())
}

// Compile compiles the graph with simplego and wraps the executable so it
// fills the RNGBitGenerator outputs before each run.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	exec, err := b.Builder.Compile(outputs, shardings)
	if err != nil {
		return nil, err
	}
	return &Executable{
		Executable: exec,
		backend:    b.backend,
		inputs:     b.inputs,
		numUser:    b.numUser,
		rngs:       b.rngs,
	}, nil
}
