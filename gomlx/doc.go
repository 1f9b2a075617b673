// Package gomlx registers "simdrop", a gomlx backend that is gomlx's
// pure-Go backend simplego with one op replaced: RNGBitGenerator draws its
// bits from simdrop's SIMD Philox4x32-10 (dropout.PhiloxBits32 and
// PhiloxBits64), in the layout of XLA's RNGPhilox, so a seed gives the same
// random bits, and the same dropout masks, as gomlx on XLA.
//
// Import it for its side effect and select it by name:
//
//	import _ "github.com/simdrop/simdrop/gomlx"
//
//	backend, err := backends.NewWithConfig("simdrop") // or GOMLX_BACKEND=simdrop
//
// Everything except RNGBitGenerator is simplego's own code: the
// configuration after "simdrop:" is simplego's (e.g. "simdrop:parallelism=2").
//
// The RNG state is gomlx's u64[3]: word 0 is the Philox key (key words lo32,
// hi32), words 1 and 2 the low and high halves of a 128-bit block counter.
// Block i of a call has counter c+i; 32-bit outputs take the words of block
// i in order, 64-bit outputs are w0|w1<<32 and w2|w3<<32, 8- and 16-bit
// outputs the low bits of one 32-bit word each, floats the bits of the
// unsigned integer of their width. The new state is the key and c plus the
// number of blocks used: ceil(n/4) for outputs up to 32 bits, ceil(n/2) for
// 64-bit ones.
//
// RNGBitGenerator's bits are computed in Go before the graph runs, so its
// state must be known then: a parameter (a gomlx variable, as for
// context.RandomUniform and the dropout layers), a constant, or a state or
// value of an earlier RNGBitGenerator of the same graph. A state computed
// by other ops is an error at build time.
package gomlx
