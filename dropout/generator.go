package dropout

import (
	"math/rand/v2"
	"sync/atomic"
)

// A Generator is a counter-based random stream: Philox4x32-10 keyed by a
// 64-bit seed, read in 128-bit blocks, 16 for each group of 64 decisions
// (the bit planes of the package doc). Its whole state is (seed, offset),
// where offset counts the blocks handed out so far, so a training run can
// checkpoint it with State and resume it with SetState.
//
// Each call reserves the blocks it needs with one atomic add, so a Generator
// is safe for concurrent use, concurrent calls get disjoint streams, and the
// draws of a call do not depend on the kernel path, the CPU, the number of
// goroutines or the byte order. Block numbers are 64-bit and wrap: a
// reservation that runs past block 2⁶⁴−1 continues at block 0 (the offset
// wraps with it), so its decisions repeat those of a generator at offset 0.
// Only a SetState close to 2⁶⁴ can get there; 2⁶⁴ blocks are 2⁷⁰ bytes of
// randomness.
//
// The zero Generator is ready to use: seed 0, offset 0. A nil *Generator
// stands for the DefaultGenerator, in its methods as in every operation.
type Generator struct {
	st atomic.Pointer[genState]
}

// genState is one (seed, offset) pair. SetState replaces the whole pair, so
// a call, which reads the seed and advances the offset of one pair, never
// mixes the seed of one state with the offset of another.
type genState struct {
	seed   uint64
	offset atomic.Uint64
}

// State is a Generator's complete state.
type State struct {
	Seed   uint64 // Philox key: lo32 is key word 0, hi32 key word 1
	Offset uint64 // next block to hand out
}

// NewGenerator returns a Generator for seed, at offset 0.
func NewGenerator(seed uint64) *Generator {
	g := new(Generator)
	g.st.Store(&genState{seed: seed})
	return g
}

// state returns g's current pair, creating the zero state of a zero
// Generator; a nil g is the default generator.
func (g *Generator) state() *genState {
	if g == nil {
		g = defaultGenerator
	}
	if st := g.st.Load(); st != nil {
		return st
	}
	g.st.CompareAndSwap(nil, new(genState))
	return g.st.Load()
}

// Offset returns the number of 128-bit Philox blocks consumed so far.
func (g *Generator) Offset() uint64 { return g.state().offset.Load() }

// Seed returns the generator's seed.
func (g *Generator) Seed() uint64 { return g.state().seed }

// State returns the generator's state, for a checkpoint. The seed and the
// offset are read from the same state, even while other goroutines draw or
// call SetState.
func (g *Generator) State() State {
	st := g.state()
	return State{Seed: st.seed, Offset: st.offset.Load()}
}

// SetState restores a state returned by State. A call running concurrently
// with SetState draws from either the old or the new state, never from a
// mix of the two.
func (g *Generator) SetState(s State) {
	if g == nil {
		g = defaultGenerator
	}
	st := &genState{seed: s.Seed}
	st.offset.Store(s.Offset)
	g.st.Store(st)
}

// Reserve hands out the next blocks blocks of g at once and returns the
// state they start at: for a call run in parts (Part), the whole call's
// stream, with g advanced past it (Mask.Blocks of any part gives the count).
func (g *Generator) Reserve(blocks uint64) State {
	seed, start := g.reserve(blocks)
	return State{Seed: seed, Offset: start}
}

// reserve hands out the next blocks blocks and returns the seed and the first
// block of the range.
func (g *Generator) reserve(blocks uint64) (seed, start uint64) {
	if g == nil {
		g = defaultGenerator
	}
	st := g.state()
	return st.seed, st.offset.Add(blocks) - blocks
}

// defaultGenerator serves calls made with a nil *Generator. Its seed is
// random, chosen once at start-up.
var defaultGenerator = NewGenerator(rand.Uint64())

// DefaultGenerator returns the generator used when a nil *Generator is
// passed. Seed it with SetState for a reproducible program.
func DefaultGenerator() *Generator { return defaultGenerator }
