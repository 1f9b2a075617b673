// Command maskapply applies a mask made elsewhere with simdrop, for
// bench/torch_parity.py: it reads a case from stdin and writes the output
// tensor to stdout, both little-endian.
//
// Input: rank r (uint32), shape (r × uint32), noise shape (r × uint32), p
// (float64), the keep bytes (one per noise element), the input tensor.
// Output: the result of MaskFromBytes then Backward(y, x, mask), which is
// the forward under that mask. The tensors are float32, or with -type bf16
// or f16 the 16-bit patterns of BFloat16 or Float16.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/simdrop/simdrop/dropout"
)

func main() {
	typ := flag.String("type", "f32", "element type: f32, bf16 or f16")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *typ); err != nil {
		fmt.Fprintln(os.Stderr, "maskapply:", err)
		os.Exit(1)
	}
}

func run(r io.Reader, w io.Writer, typ string) error {
	var rank uint32
	if err := binary.Read(r, binary.LittleEndian, &rank); err != nil {
		return err
	}
	if rank > 8 {
		return fmt.Errorf("rank %d", rank)
	}
	dims := make([]uint32, 2*rank)
	if err := binary.Read(r, binary.LittleEndian, dims); err != nil {
		return err
	}
	shape, noise := make([]int, rank), make([]int, rank)
	numel, feats := 1, 1
	for i := range shape {
		shape[i], noise[i] = int(dims[i]), int(dims[int(rank)+i])
		numel *= shape[i]
		feats *= noise[i]
	}
	var p float64
	if err := binary.Read(r, binary.LittleEndian, &p); err != nil {
		return err
	}
	keep := make([]byte, feats)
	if _, err := io.ReadFull(r, keep); err != nil {
		return err
	}
	m, err := dropout.MaskFromBytes(shape, noise, p, keep)
	if err != nil {
		return err
	}
	switch typ {
	case "f32":
		return apply[float32](r, w, m, numel)
	case "bf16":
		return apply[dropout.BFloat16](r, w, m, numel)
	case "f16":
		return apply[dropout.Float16](r, w, m, numel)
	}
	return fmt.Errorf("unknown -type %q", typ)
}

func apply[T float32 | dropout.BFloat16 | dropout.Float16](r io.Reader, w io.Writer, m *dropout.Mask, numel int) error {
	x := make([]T, numel)
	if err := binary.Read(r, binary.LittleEndian, x); err != nil {
		return err
	}
	y := make([]T, numel)
	if err := dropout.Backward(y, x, m); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, y)
}
