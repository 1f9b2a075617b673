package dropout

import (
	"fmt"
	"slices"
	"unsafe"
)

// Dropout1d zeroes whole channels of a batch of sequences, as PyTorch's
// torch.nn.functional.dropout1d: see Dropout2d. shape is [N, C, L], or
// [C, L] for one unbatched sample.
func Dropout1d[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout1d, dst, src, shape, nil, p, g, options)
}

// Dropout2d zeroes each channel plane of an N×C×H×W tensor with probability p
// and scales the kept planes by 1/(1−p), as PyTorch's
// torch.nn.functional.dropout2d in training mode, writing the result to dst.
//
// shape is [N, C, H, W], or [C, H, W] for one unbatched sample (C features;
// unlike PyTorch, a 3-D shape is never read as (N, C, L)). Both slices hold
// the tensor contiguously in that order and have its length; dst may be src
// itself (in place) but may not otherwise overlap it. Any dimension may be 0.
//
// Feature i (i = n·C + c) is dropped iff its number u_i in the call's
// bit-plane stream (see the package doc) is below min(round(p·2³²), 2³²−1);
// the call reserves 16·ceil(N·C/64) blocks of g (nil: the package's
// DefaultGenerator). Kept values are src·s with s =
// float32(1)/float32(1−p) for float32 — bit-identical to PyTorch — and
// 1/(1−p) for float64; dropped ones are +0 and their inputs are not read, so
// NaN or Inf there does not propagate. p = 0 copies, p = 1 zeroes, and neither
// draws from g.
//
// The returned Mask feeds Backward. On error nothing is written and g is
// untouched; the error wraps ErrProbability, ErrShape, ErrLength or
// ErrOverlap and names the bad value.
func Dropout2d[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout2d, dst, src, shape, nil, p, g, options)
}

// Dropout3d zeroes whole channels of a batch of volumes, as PyTorch's
// torch.nn.functional.dropout3d: see Dropout2d. shape is [N, C, D, H, W], or
// [C, D, H, W] for one unbatched sample.
func Dropout3d[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout3d, dst, src, shape, nil, p, g, options)
}

// call runs op o into a new Mask, or the one an Into option names.
func call[T Float](o *op, dst, src []T, shape, noise []int, p float64, g *Generator, options []Option) (*Mask, error) {
	return callWith(o, dst, src, shape, p, g, opts{noise: noise}, options)
}

// opts are the per-call settings some ops take.
type opts struct {
	noise     []int  // DropoutBroadcast's noise shape
	regen     bool   // elementwise Dropout without mask bits
	blockSize int    // DropBlock
	part      *part  // a part of a larger call (Part)
	res       *resid // the fused residual form (Residual)
}

// part is a call that computes samples [first, first+N) of a call on
// total samples whose stream starts at block st.Offset of seed st.Seed.
type part struct {
	st           State
	first, total int
	varies       bool // the decisions vary along the first dim (set by forward)
}

func callWith[T Float](o *op, dst, src []T, shape []int, p float64, g *Generator, x opts, options []Option) (*Mask, error) {
	var m *Mask
	for i := range options {
		if options[i].into != nil {
			m = options[i].into
		}
		if options[i].isPart {
			x.part = &options[i].part
		}
		if options[i].res.set {
			x.res = &options[i].res
		}
		if options[i].grad.set {
			return nil, fmt.Errorf("dropout: %s: BiasGrad is an option of Backward: %w", o.name, ErrOption)
		}
	}
	if m == nil {
		m = new(Mask)
	}
	if err := forward(o, m, dst, src, shape, p, g, x); err != nil {
		return nil, err
	}
	return m, nil
}

// An Option changes how one functional call runs; pass any number of them
// after the generator. The zero Option changes nothing.
type Option struct {
	into   *Mask
	part   part
	isPart bool
	res    resid    // Residual
	grad   biasGrad // BiasGrad
}

// Into makes a call record its decisions in m, reusing m's storage, and
// return m instead of a new Mask: with the same Mask passed to every call of
// a training loop, a call allocates nothing once m has seen its shape (as a
// Layer does). m may have come from any op; what it held before is replaced,
// and on error it is left as it was. m must not be in use by a concurrent
// call or Backward. A nil m is ignored.
func Into(m *Mask) Option { return Option{into: m} }

// Part makes a call compute its tensor as samples [first, first+N) (N its
// shape's first dim) of one larger call on total samples whose randomness
// starts at st — the state its generator had, or that Generator.Reserve
// returned for it. The result, mask and output, equals those samples of
// that whole call, so the shards of a batch can run on their own (other
// goroutines, other machines) and agree with the unsharded call; the call
// draws nothing from its generator, which may be nil. Mask.Blocks reports
// the whole call's block range, which the caller advances its generator by
// (Generator.Reserve).
//
// The first dim is the batch for the batched shapes ([N, C, ...]); for a
// 1-D elementwise tensor it is the elements, so any range of elements is
// a part. A DropBlock part draws the whole batch's mask, as its scale is
// the whole tensor's, but applies only its own samples. DropoutBroadcast
// takes the whole call's noise shape, its first dim 1 (decisions shared by
// the batch) or total. With Part, DropoutNoMask keeps mask bits. first < 0,
// total < first + N or a rank-0 shape is an error wrapping ErrShape.
func Part(st State, first, total int) Option {
	return Option{part: part{st: st, first: first, total: total}, isPart: true}
}

// forward validates everything, then draws m and writes dst. Nothing is
// written and no randomness is used unless every check passes.
func forward[T Float](o *op, m *Mask, dst, src []T, shape []int, p float64, g *Generator, x opts) error {
	if err := checkP(o.name, p); err != nil {
		return err
	}
	var noise [maxRank]int
	if len(shape) > maxRank {
		return o.shapeErr(shape, "rank %d, want at most %d", len(shape), maxRank)
	}
	givenVaries := len(x.noise) > 0 && x.noise[0] != 1 // DropoutBroadcast's first noise dim
	if x.part != nil && o.noise == noiseGiven && len(x.noise) == len(shape) && len(shape) > 0 && x.noise[0] == x.part.total && x.noise[0] != 1 {
		// A part's noise shape is the whole call's: its first dim is 1 or
		// the whole batch; read the part's own in its place.
		var given [maxRank]int
		copy(given[:], x.noise)
		given[0] = shape[0]
		x.noise = given[:len(shape)]
	}
	if err := o.noiseShape(shape, x.noise, noise[:len(shape)]); err != nil {
		return err
	}
	if o.block > 0 && x.blockSize < 1 {
		return fmt.Errorf("dropout: %s: block size %d, want at least 1: %w", o.name, x.blockSize, ErrShape)
	}
	numel, err := elements(o.name, shape)
	if err != nil {
		return err
	}
	if err := checkLen(o.name, "src", len(src), numel, shape); err != nil {
		return err
	}
	if err := checkLen(o.name, "dst", len(dst), numel, shape); err != nil {
		return err
	}
	if err := checkAlias(o.name, "dst", "src", dst, src); err != nil {
		return err
	}
	if x.res != nil {
		if err := checkResidual(o, x.res, dst, src, shape, numel); err != nil {
			return err
		}
	}
	if x.part != nil {
		if err := checkPart(o, shape, x.part); err != nil {
			return err
		}
		pt := *x.part // the caller's Option is not written
		pt.varies = o.noise != noiseBatch && noise[0] == shape[0]
		if o.noise == noiseGiven {
			pt.varies = givenVaries
		}
		x.part = &pt
	}
	if g == nil {
		g = defaultGenerator
	}
	m.reset(o, shape, noise[:len(shape)], numel, p, x.regen && x.part == nil)
	m.given = false
	// A part's decisions need not start at a group of the stream: it draws
	// mask bits (keepRange) and applies them, never the fused kernel.
	m.fused = o.fused && x.part == nil
	if o.block > 0 {
		m.drawBlocks(g, x.blockSize, x.part)
	} else {
		m.draw(g, x.part)
	}
	if m.plan.rows && numel > 0 {
		if kindOf[T]() == kindF64 {
			m.vec64 = buildVectors(m, m.s64, m.vec64)
		} else { // float32 scales for float32 and the half types
			m.vec32 = buildVectors(m, m.s32, m.vec32)
		}
	}
	apply(m, dst, src, false, x.res)
	return nil
}

// checkPart reports an error for a Part that does not fit the call: a
// negative first sample, fewer samples in all than the part reaches, or a
// rank-0 shape.
func checkPart(o *op, shape []int, pt *part) error {
	if len(shape) == 0 || pt.first < 0 || pt.total < pt.first+shape[0] {
		n := 0
		if len(shape) > 0 {
			n = shape[0]
		}
		return fmt.Errorf("dropout: %s: Part(first %d, total %d) of a call on %d samples (shape %v): %w",
			o.name, pt.first, pt.total, n, slices.Clone(shape), ErrShape)
	}
	return nil
}

// Backward computes the gradient of a dropout call from the gradient of its
// output: dx = dy·s where m kept the feature, +0 where it dropped it, with the
// forward call's scale s for element type T (for alpha dropout, dx = dy·a). It
// is the forward kernel run with m's decisions, so it also applies a recorded
// mask to another tensor of the same shape. dx may be dy itself but may not
// otherwise overlap it.
//
// len(dx) and len(dy) must equal m.Len(); otherwise, or for a nil m, the
// error wraps ErrMask (or ErrOverlap) and nothing is written.
func Backward[T Float](dx, dy []T, m *Mask, options ...Option) error {
	const op = "Backward"
	if m == nil {
		return fmt.Errorf("dropout: %s: nil mask: %w", op, ErrMask)
	}
	if len(dy) != m.numel || len(dx) != m.numel {
		return fmt.Errorf("dropout: %s: len(dx) = %d, len(dy) = %d, want %d for the mask of %s of shape %v: %w",
			op, len(dx), len(dy), m.numel, m.op, m.Shape(), ErrMask)
	}
	if err := checkAlias(op, "dx", "dy", dx, dy); err != nil {
		return err
	}
	var grad *biasGrad
	for i := range options {
		o := &options[i]
		if o.into != nil || o.isPart || o.res.set {
			return fmt.Errorf("dropout: %s: only BiasGrad is an option of Backward: %w", op, ErrOption)
		}
		if o.grad.set {
			grad = &o.grad
		}
	}
	if grad != nil {
		if err := checkBiasGrad(grad, dx, dy, m); err != nil {
			return err
		}
	}
	apply(m, dx, dy, true, nil)
	if grad != nil {
		db := unsafe.Slice((*T)(grad.p), grad.n)
		if m.numel == 0 {
			clear(db)
		} else {
			sumRowsT(current(), db, dx)
		}
	}
	return nil
}

// apply writes dst from src under m's decisions: the forward map, or with
// backward the gradient map (alpha: the scale only). All checks are done.
func apply[T Float](m *Mask, dst, src []T, backward bool, res *resid) {
	switch {
	case m.numel == 0:
	case m.p == 0 && !m.given && res != nil:
		// Everything kept, s = 1: one plane of the whole tensor.
		r, b := residualOf[T](res)
		residualAllKept(current(), dst, src, r, b)
	case m.p == 0 && !m.given:
		copy(dst, src) // a no-op in place
	case m.p == 1 && !m.block && !m.given && res != nil:
		r, _ := residualOf[T](res)
		copy(dst, r) // everything dropped: the residual
	case m.p == 1 && !m.block && !m.given:
		clear(dst)
	default:
		bytes := len(dst) * int(unsafe.Sizeof(dst[0]))
		j := job{m: m, k: current(), backward: backward, hi: m.plan.total}
		streams := 2.0
		if res != nil {
			j.res = *res
			streams = 3
		}
		// The whole tensor's size decides the store strategy, however the
		// call is split.
		j.nt = useNT(bytes, unsafe.SliceData(dst) == unsafe.SliceData(src))
		if m.fused && (!backward || m.regen) {
			// Draw in the kernel, 64 elements (16 blocks, one mask word) a
			// unit; the forward writes the mask bits unless regenerating.
			j.philox, j.hi = true, (m.numel+63)/64
		}
		switch j.kind = kindOf[T](); j.kind {
		case kindF64:
			j.dst64, j.src64 = as[float64](dst), as[float64](src)
			if m.plan.rows && len(m.vec64) == 0 { // forward was not float64
				j.vec64 = buildVectors(m, m.s64, nil)
			}
		default:
			switch j.kind {
			case kindF32:
				j.dst32, j.src32 = as[float32](dst), as[float32](src)
			case kindBF16:
				j.dstBF, j.srcBF = as[BFloat16](dst), as[BFloat16](src)
			default:
				j.dstF16, j.srcF16 = as[Float16](dst), as[Float16](src)
			}
			if m.plan.rows && len(m.vec32) == 0 { // forward was float64
				j.vec32 = buildVectors(m, m.s32, nil)
			}
		}
		ns := float64(bytes) * streams / 2 * memNsPerByte
		if j.philox {
			ns = float64(m.numel) * j.k.philoxNs
		}
		split(workersFor(ns), &j)
	}
}

// runUnits runs the kernels over work units [lo, hi) of m's plan: planes of
// a planes plan, or groups of period/w rows of a rows plan. Consecutive units
// of one outer position go to the kernel in one call.
func runUnits[T Float, S float32 | float64](j *job, dst, src []T, vec []S) {
	m, p := j.m, &j.m.plan
	if j.philox {
		e0, e1 := j.lo*64, min(j.hi*64, m.numel)
		var bits []uint64
		if !j.backward && !m.regen {
			bits = m.bits[j.lo:j.hi]
		}
		start := m.start + groupBlocks*uint64(j.lo) // e0 = 64·lo
		if j.res.set {
			r, b := residualOf[T](&j.res)
			residualPhiloxT(j.k, dst[e0:e1], src[e0:e1], r[e0:e1], b, bits, m, start, phaseOf(b, e0))
			return
		}
		dropoutPhiloxT(j.k, dst[e0:e1], src[e0:e1], bits, m, start)
		return
	}
	for u := j.lo; u < j.hi; {
		pos, first := u/p.units, u%p.units
		last := min(j.hi-pos*p.units, p.units) // units of this position up to hi
		base := p.base(pos)
		off := pos * p.chunk
		if p.rows {
			per := p.period / p.w
			lo, hi := off+first*per*p.w, off+min(last*per, p.r)*p.w
			v := vec[base/p.w*p.period : (base/p.w+1)*p.period]
			if len(v) > hi-lo {
				v = v[:hi-lo]
			}
			if j.res.set {
				r, b := residualOf[T](&j.res)
				residualRowsT(j.k, dst[lo:hi:hi], src[lo:hi:hi], r[lo:hi:hi], b, v) // lo starts a row
			} else {
				scaleRowsT(j, dst[lo:hi:hi], src[lo:hi:hi], v)
			}
		} else {
			lo, hi := off+first*p.inner, off+last*p.inner
			n := last - first
			switch {
			case j.res.set && p.inner == 1:
				r, b := residualOf[T](&j.res)
				residualBitsT(j.k, dst[lo:hi:hi], src[lo:hi:hi], r[lo:hi:hi], b, m.bits, base+first, phaseOf(b, lo), m)
			case j.res.set:
				r, b := residualOf[T](&j.res)
				residualPlanesT(j.k, dst[lo:hi:hi], src[lo:hi:hi], r[lo:hi:hi], b, m.bits, base+first, p.inner, n, m) // lo starts a row
			case m.alpha && !j.backward && p.inner == 1: // elementwise alpha dropout
				affineBitsT(j.k, dst[lo:hi:hi], src[lo:hi:hi], m, base+first)
			case m.alpha && !j.backward:
				affinePlanesT(j.k, dst[lo:hi:hi], src[lo:hi:hi], m, base+first, p.inner, n)
			case p.inner == 1: // elementwise decisions
				scaleBitsT(j.k, dst[lo:hi:hi], src[lo:hi:hi], m, base+first)
			default:
				scalePlanesT[T, S](j, dst[lo:hi:hi], src[lo:hi:hi], base+first, p.inner, n)
			}
		}
		u = pos*p.units + last
	}
}

func scalePlanesT[T Float, S float32 | float64](j *job, dst, src []T, first, plane, n int) {
	if kindOf[T]() == kindF64 {
		typed[float64](j.k).scalePlanesFor(j.nt)(as[float64](dst), as[float64](src), j.m.bits, first, plane, n, j.m.s64)
		return
	}
	typed32[T](j.k).scalePlanesFor(j.nt)(dst, src, j.m.bits, first, plane, n, j.m.s32)
}

func scaleBitsT[T Float](k *kernelSet, dst, src []T, m *Mask, first int) {
	if kindOf[T]() == kindF64 {
		k.f64.scaleBits(as[float64](dst), as[float64](src), m.bits, first, m.s64)
		return
	}
	typed32[T](k).scaleBits(dst, src, m.bits, first, m.s32)
}

func affinePlanesT[T Float](k *kernelSet, dst, src []T, m *Mask, first, plane, n int) {
	if kindOf[T]() == kindF64 {
		k.f64.affinePlanes(as[float64](dst), as[float64](src), m.bits, first, plane, n, m.s64, m.b64, m.c64)
		return
	}
	typed32[T](k).affinePlanes(dst, src, m.bits, first, plane, n, m.s32, m.b32, m.c32)
}

func affineBitsT[T Float](k *kernelSet, dst, src []T, m *Mask, first int) {
	if kindOf[T]() == kindF64 {
		k.f64.affineBits(as[float64](dst), as[float64](src), m.bits, first, m.s64, m.b64, m.c64)
		return
	}
	typed32[T](k).affineBits(dst, src, m.bits, first, m.s32, m.b32, m.c32)
}

func dropoutPhiloxT[T Float](k *kernelSet, dst, src []T, bits []uint64, m *Mask, start uint64) {
	if kindOf[T]() == kindF64 {
		k.f64.dropoutPhilox(as[float64](dst), as[float64](src), bits, m.seed, start, m.t, m.s64)
		return
	}
	typed32[T](k).dropoutPhilox(dst, src, bits, m.seed, start, m.t, m.s32)
}

// allKept is the mask of one kept plane.
var allKept = [1]uint64{1}

// phaseOf is the bias index of element lo of the tensor.
func phaseOf[T Float](b []T, lo int) int {
	if len(b) == 0 {
		return 0
	}
	return lo % len(b)
}

func residualPlanesT[T Float](k *kernelSet, dst, src, res, bias []T, bits []uint64, first, plane, n int, m *Mask) {
	if kindOf[T]() == kindF64 {
		k.f64.residualPlanes(as[float64](dst), as[float64](src), as[float64](res), as[float64](bias), bits, first, plane, n, m.s64)
		return
	}
	typed32[T](k).residualPlanes(dst, src, res, bias, bits, first, plane, n, m.s32)
}

// residualAllKept is the fused residual form with every element kept and
// s = 1 (p = 0, or a Layer in evaluation mode): dst = (src ⊕ bias) ⊕ res.
func residualAllKept[T Float](k *kernelSet, dst, src, res, bias []T) {
	if kindOf[T]() == kindF64 {
		k.f64.residualPlanes(as[float64](dst), as[float64](src), as[float64](res), as[float64](bias), allKept[:], 0, len(dst), 1, 1)
		return
	}
	typed32[T](k).residualPlanes(dst, src, res, bias, allKept[:], 0, len(dst), 1, 1)
}

func residualBitsT[T Float](k *kernelSet, dst, src, res, bias []T, bits []uint64, first, phase int, m *Mask) {
	if kindOf[T]() == kindF64 {
		k.f64.residualBits(as[float64](dst), as[float64](src), as[float64](res), as[float64](bias), bits, first, phase, m.s64)
		return
	}
	typed32[T](k).residualBits(dst, src, res, bias, bits, first, phase, m.s32)
}

func residualRowsT[T Float, S float32 | float64](k *kernelSet, dst, src, res, bias []T, v []S) {
	if kindOf[T]() == kindF64 {
		k.f64.residualRows(as[float64](dst), as[float64](src), as[float64](res), as[float64](bias), as[float64](v))
		return
	}
	typed32[T](k).residualRows(dst, src, res, bias, as[float32](v))
}

func residualPhiloxT[T Float](k *kernelSet, dst, src, res, bias []T, bits []uint64, m *Mask, start uint64, phase int) {
	if kindOf[T]() == kindF64 {
		k.f64.residualPhilox(as[float64](dst), as[float64](src), as[float64](res), as[float64](bias), bits, m.seed, start, m.t, phase, m.s64)
		return
	}
	typed32[T](k).residualPhilox(dst, src, res, bias, bits, m.seed, start, m.t, phase, m.s32)
}

func sumRowsT[T Float](k *kernelSet, db, dx []T) {
	if kindOf[T]() == kindF64 {
		k.f64.sumRows(as[float64](db), as[float64](dx))
		return
	}
	typed32[T](k).sumRows(db, dx)
}

// scaleRowsT runs the scale-rows kernel; v is float64 for float64 and
// float32 for every other type.
func scaleRowsT[T Float, S float32 | float64](j *job, dst, src []T, v []S) {
	if kindOf[T]() == kindF64 {
		typed[float64](j.k).scaleRowsFor(j.nt)(as[float64](dst), as[float64](src), as[float64](v))
		return
	}
	typed32[T](j.k).scaleRowsFor(j.nt)(dst, src, as[float32](v))
}

// scale32 is PyTorch's float32 scale: 1−p rounded to float32, then a float32
// divide. It differs from float32(1/(1−p)) for about a quarter of all p.
// The half types use it too, as PyTorch's CUDA kernels do.
func scale32(p float64) float32 { return float32(1) / float32(1-p) }

// scale64 is the float64 scale.
func scale64(p float64) float64 { return 1 / (1 - p) }

// elemKind names an element type of Float.
type elemKind uint8

const (
	kindF32 elemKind = iota
	kindF64
	kindBF16
	kindF16
)

// kindOf returns T's kind. BFloat16 and Float16 have the same size and
// underlying type, so the type itself is asked (a type switch on a zero
// value, which does not allocate).
func kindOf[T Float]() elemKind {
	var z T
	switch any(z).(type) {
	case float64:
		return kindF64
	case BFloat16:
		return kindBF16
	case Float16:
		return kindF16
	}
	return kindF32
}

func isFloat32[T Float]() bool { return kindOf[T]() == kindF32 }

// as reinterprets a []T as the identical []U (T and U are the same type; the
// caller checked with kindOf). It avoids an interface conversion, which
// could allocate.
func as[U, T Float](x []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}
