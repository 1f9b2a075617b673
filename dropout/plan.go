package dropout

// The planner is the only place that maps shapes to kernels. It reads a
// tensor shape and a noise shape (one keep decision per noise element,
// broadcast over the dims where the noise is 1), drops dims of size 1,
// merges neighbouring dims that are both broadcast or both varying, and
// looks at the innermost merged dims:
//
//   - ... V(k) B(inner): the mask is constant over contiguous blocks of inner
//     elements: k planes per outer position → the scale-planes kernel.
//   - V(n) alone (elementwise): n planes of one element → scale-planes.
//   - ... B(r) V(w): the mask varies along the innermost w elements and
//     repeats over r rows → the scale-rows-by-vector kernel, with a vector of
//     w scales (replicated to a few hundred elements, a multiple of 16, when
//     w is small, so short rows still fill whole SIMD registers).
//
// Any dims left of those are the outer positions, walked in order; a
// varying outer dim moves the feature index, a broadcast one repeats it.

// pdim is a merged dimension.
type pdim struct {
	size   int
	vary   bool // the noise varies along it
	stride int  // for varying outer dims: features per step
}

type plan struct {
	rows   bool
	nouter int
	outer  [maxRank]pdim
	k      int // planes: planes per outer position
	inner  int // planes: elements per plane
	r, w   int // rows: rows and columns per outer position
	period int // rows: length of one scale vector, a multiple of w
	chunk  int // elements per outer position
	units  int // work units per outer position: planes, or groups of period/w rows
	total  int // work units in all
}

// replicateBelow is the row width under which a scale vector is repeated to
// a multiple of lcm(w, 16) elements of at least replicateBelow (at most
// 4096), so that rows of 3 or 7 channels are processed 16 lanes and hundreds
// of elements at a time rather than one short row at a time.
const replicateBelow = 256

func makePlan(shape, noise []int, numel int) plan {
	var L [maxRank]pdim
	n := 0
	for i, d := range shape {
		if d == 1 {
			continue
		}
		vary := noise[i] != 1
		if n > 0 && L[n-1].vary == vary {
			L[n-1].size *= d
			continue
		}
		L[n] = pdim{size: d, vary: vary}
		n++
	}
	if n == 0 { // a single element
		L[0] = pdim{size: 1, vary: true}
		n = 1
	}
	var p plan
	last := L[n-1]
	stride := 1
	switch {
	case !last.vary: // ... V(k) B(inner)
		p.inner, p.k = last.size, 1
		p.nouter = n - 1
		if n >= 2 {
			p.k = L[n-2].size
			p.nouter = n - 2
		}
		p.chunk, p.units, stride = p.k*p.inner, p.k, p.k
	case n == 1: // V(n): elementwise
		p.k, p.inner = last.size, 1
		p.chunk, p.units, stride = p.k, p.k, p.k
	default: // ... B(r) V(w)
		p.rows = true
		p.w, p.r = last.size, L[n-2].size
		p.nouter = n - 2
		p.period = p.w
		if p.w < replicateBelow {
			// A multiple of lcm(w, 16) of at least replicateBelow elements.
			l := lcm(p.w, 16)
			p.period = (replicateBelow + l - 1) / l * l
		}
		per := p.period / p.w // rows per unit
		p.chunk, p.units, stride = p.r*p.w, (p.r+per-1)/per, p.w
	}
	copy(p.outer[:], L[:p.nouter])
	for i := p.nouter - 1; i >= 0; i-- {
		if p.outer[i].vary {
			p.outer[i].stride = stride
			stride *= p.outer[i].size
		}
	}
	p.total = numel / p.chunk * p.units
	return p
}

// base returns the first feature of outer position pos.
func (p *plan) base(pos int) int {
	f := 0
	for i := p.nouter - 1; i >= 0 && pos > 0; i-- {
		d := p.outer[i]
		if d.vary {
			f += pos % d.size * d.stride
		}
		pos /= d.size
	}
	return f
}

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}
