package dropout

import "unsafe"

// A Counter is a 128-bit Philox block counter: Lo holds counter words 0 and
// 1 (lo32, hi32), Hi words 2 and 3.
type Counter struct{ Lo, Hi uint64 }

// Add returns c + n, carrying from Lo into Hi and wrapping at 2¹²⁸.
func (c Counter) Add(n uint64) Counter {
	lo := c.Lo + n
	if lo < c.Lo {
		c.Hi++
	}
	c.Lo = lo
	return c
}

// PhiloxBits32 fills dst with raw Philox4x32-10 output, in the layout of
// XLA's RNGPhilox (the RngBitGenerator of JAX and TensorFlow on the PHILOX
// algorithm): the key is (lo32 key, hi32 key), block i has counter c + i
// (a 128-bit add), and dst[4i+j] is word j of block i. A last partial block
// is computed and its extra words dropped. It returns the counter after the
// last block used, c + ceil(len(dst)/4).
//
// The blocks are computed by the SIMD Philox of the selected kernel path
// and split across goroutines for large outputs; the result does not depend
// on either.
func PhiloxBits32(dst []uint32, key uint64, c Counter) Counter {
	whole := len(dst) &^ 3
	if whole > 0 {
		rawSplit(dst[:whole], key, c)
	}
	if r := dst[whole:]; len(r) > 0 {
		w := philoxAt(key, c.Add(uint64(whole/4)))
		copy(r, w[:])
	}
	return c.Add(uint64(len(dst)+3) / 4)
}

// PhiloxBits64 is PhiloxBits32 read as 64-bit values, as XLA's RNGPhilox
// gives them for u64 outputs: dst[2i] = w0 | w1<<32 and dst[2i+1] =
// w2 | w3<<32 of block i. It returns c + ceil(len(dst)/2).
func PhiloxBits64(dst []uint64, key uint64, c Counter) Counter {
	whole := len(dst) &^ 1
	if whole > 0 {
		// On a little-endian machine a []uint64 read as []uint32 has w0, w1,
		// w2, w3 in that order: fill it as such and leave the words there.
		words := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(dst))), 2*whole)
		rawSplit(words, key, c)
		if !littleEndian {
			for i := range dst[:whole] {
				dst[i] = dst[i]<<32 | dst[i]>>32
			}
		}
	}
	if len(dst) > whole {
		w := philoxAt(key, c.Add(uint64(whole/2)))
		dst[whole] = uint64(w[0]) | uint64(w[1])<<32
	}
	return c.Add(uint64(len(dst)+1) / 2)
}

// philoxAt returns the block of counter c under key.
func philoxAt(key uint64, c Counter) [4]uint32 {
	return philox4x32([4]uint32{uint32(c.Lo), uint32(c.Lo >> 32), uint32(c.Hi), uint32(c.Hi >> 32)},
		[2]uint32{uint32(key), uint32(key >> 32)})
}

// philoxRawGeneric is the raw-bits primitive (see kernelSet): len(dst)/4
// whole blocks from counter (lo, hi).
func philoxRawGeneric(dst []uint32, key, lo, hi uint64) {
	c := Counter{lo, hi}
	for i := 0; i+4 <= len(dst); i += 4 {
		w := philoxAt(key, c)
		copy(dst[i:i+4], w[:])
		c = c.Add(1)
	}
}

// rawSplit fills dst (a multiple of 4 words) from counter c with the
// current path's raw-bits kernel, across goroutines when it is large: each
// part is the blocks of its own range of counters.
func rawSplit(dst []uint32, key uint64, c Counter) {
	k := current()
	blocks := len(dst) / 4
	w := workersFor(float64(blocks) * k.rawNs)
	if w <= 1 {
		k.philoxRaw(dst, key, c.Lo, c.Hi)
		return
	}
	j := job{k: k, raw: dst, rawKey: key, rawCtr: c, lo: 0, hi: blocks}
	split(w, &j)
}

// littleEndian reports the byte order of this machine.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()
