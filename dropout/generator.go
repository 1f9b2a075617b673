package dropout

import (
	"math/rand/v2"
	"sync/atomic"
)

// A Generator is a counter-based random stream: Philox4x32-10 keyed by a
// 64-bit seed, read in 128-bit blocks of four 32-bit draws. Its whole state
// is (seed, offset), where offset counts the blocks handed out so far, so a
// training run can checkpoint it with State and resume it with SetState.
//
// Each call that needs k random draws reserves ceil(k/4) whole blocks with
// one atomic add, so a Generator is safe for concurrent use, concurrent calls
// get disjoint streams, and the draws of a call do not depend on the kernel
// path, the CPU, the number of goroutines or the byte order.
type Generator struct {
	seed   atomic.Uint64
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
	g.seed.Store(seed)
	return g
}

// Offset returns the number of 128-bit Philox blocks consumed so far.
func (g *Generator) Offset() uint64 { return g.offset.Load() }

// Seed returns the generator's seed.
func (g *Generator) Seed() uint64 { return g.seed.Load() }

// State returns the generator's state, for a checkpoint.
func (g *Generator) State() State { return State{Seed: g.seed.Load(), Offset: g.offset.Load()} }

// SetState restores a state returned by State. Calls running concurrently
// with SetState draw from either the old or the new state.
func (g *Generator) SetState(s State) {
	g.seed.Store(s.Seed)
	g.offset.Store(s.Offset)
}

// reserve hands out the next blocks blocks and returns the seed and the first
// block of the range.
func (g *Generator) reserve(blocks uint64) (seed, start uint64) {
	seed = g.seed.Load()
	start = g.offset.Add(blocks) - blocks
	return seed, start
}

// defaultGenerator serves calls made with a nil *Generator. Its seed is
// random, chosen once at start-up.
var defaultGenerator = NewGenerator(rand.Uint64())

// DefaultGenerator returns the generator used when a nil *Generator is
// passed. Seed it with SetState for a reproducible program.
func DefaultGenerator() *Generator { return defaultGenerator }
