package dropout

import (
	"math"
	"testing"
)

// alphaConstants pins the alpha-dropout constants of each p, bit for bit:
// a = 1/√((α²p + 1)(1 − p)), b = α·a·p, c = −(α·a) + b in float64, and
// float32(a), float32(α·a·p), −float32(α·a) + float32(α·a·p) in float32,
// each written operation rounded once, as PyTorch evaluates them. They were
// computed by Python's float arithmetic (IEEE double, no fused operations;
// float32 by rounding the double result, which is exact for one +, ·, / or
// √ of float32 operands), independently of this package. A compiler that
// fuses a multiply and an add into an FMA — Go does on arm64, ppc64le,
// s390x and with GOAMD64=v3 — changes b or c by an ulp or more: this test
// runs under each of those in CI.
var alphaConstants = []struct {
	p             float64
	a, b, c       uint64
	a32, b32, c32 uint32
}{
	{1e-09, 0x3fefffffff705044, 0x3e1e3433e1cb7452, 0xbffc212cc549d0a5, 0x3f800000, 0x30f1a19f, 0xbfe10966},
	{0.01, 0x3feface7650d40db, 0x3f91d200b3dc38c1, 0xbffb90d91638a7ca, 0x3f7d673b, 0x3c8e9006, 0xbfdc86c9},
	{0.25, 0x3febc093b0855574, 0x3fd86546a77daa47, 0xbff24bf4fd9e3fb5, 0x3f5e049e, 0x3ec32a35, 0xbf925fa8},
	{0.4, 0x3feba002e2cac933, 0x3fe36d51c0778832, 0xbfed23faa0b34c4a, 0x3f5d0017, 0x3f1b6a8e, 0xbf691fd6},
	{0.6, 0x3fedf2657e928e0c, 0x3fef96f8d1184d3c, 0xbfe50f508b6588d4, 0x3f6f932c, 0x3f7cb7c7, 0xbf287a83},
	{0.8, 0x3ff332d716c9c850, 0x3ffb009f30f5588c, 0xbfdb009f30f55888, 0x3f9996b9, 0x3fd804fa, 0xbed804f8},
	{0.99, 0x4013da06293cbd13, 0x402146ad95ad3d09, 0xbfb65635c41b7580, 0x409ed031, 0x410a356d, 0xbdb2b180},
	{0.05, 0x3fee8e1600a6a6d4, 0x3fb57ccd398b204f, 0xbff98433b455365d, 0x3f7470b0, 0x3dabe66a, 0xbfcc219d},
	{0.1, 0x3fed7b29aa659301, 0x3fc4bb76f9a63a78, 0xbff752e5d8db01c7, 0x3f6bd94d, 0x3e25dbb8, 0xbfba972f},
	{0.2, 0x3fec1ffa68674510, 0x3fd3c74f8ca438c0, 0xbff3c74f8ca438c0, 0x3f60ffd3, 0x3e9e3a7c, 0xbf9e3a7c},
	{0.3, 0x3feb8cec8045e12e, 0x3fdd0fd82d816359, 0xbff0f3e8c536249f, 0x3f5c6764, 0x3ee87ec1, 0xbf879f47},
	{0.5, 0x3fec5d6dcc335815, 0x3fe8ef281c1a21ee, 0xbfe8ef281c1a21ee, 0x3f62eb6e, 0x3f477941, 0xbf477941},
	{0.7, 0x3ff06c6ae3fd9288, 0x3ff4363fa3f760f7, 0xbfe15311fa41c0d6, 0x3f836357, 0x3fa1b1fd, 0xbf0a9890},
	{0.9, 0x3ffa048a1c958e8e, 0x4004957356fc0448, 0xbfd24bf4bf18e758, 0x3fd02451, 0x4024ab9b, 0xbe925fa0},
	{0.95, 0x400208553c2015c1, 0x400e1e2c5e9a1e2e, 0xbfc95cc70c4be390, 0x401042aa, 0x4070f163, 0xbe4ae630},
	{0.123456789, 0x3fed141d37b6b578, 0x3fc93ef582c119aa, 0xbff667e04e58d3e0, 0x3f68a0ea, 0x3e49f7ac, 0xbfb33f02},
	{0.999999, 0x407ee69c534876dd, 0x408b29d00ee41d8e, 0xbf4c7b9bc1d00000, 0x43f734e3, 0x44594e80, 0xba700000},
}

func TestAlphaConstantsBitExact(t *testing.T) {
	for _, c := range alphaConstants {
		var m Mask
		m.p = c.p
		m.setScales(&opAlphaDropout)
		got := [6]uint64{math.Float64bits(m.s64), math.Float64bits(m.b64), math.Float64bits(m.c64),
			uint64(math.Float32bits(m.s32)), uint64(math.Float32bits(m.b32)), uint64(math.Float32bits(m.c32))}
		want := [6]uint64{c.a, c.b, c.c, uint64(c.a32), uint64(c.b32), uint64(c.c32)}
		if got != want {
			t.Errorf("p = %v: a, b, c, a32, b32, c32 = %#x, want %#x", c.p, got, want)
		}
	}
}
