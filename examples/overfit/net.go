package main

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/simdrop/simdrop/dropout"
)

// The network, float32 and N×C×H×W throughout:
//
//	input 1×28×28 (MNIST; any h×h with h divisible by 4)
//	conv 3×3 (c1) → ReLU → Dropout2d → max-pool 2×2   c1×14×14
//	conv 3×3 (c2) → ReLU → Dropout2d → max-pool 2×2   c2×7×7
//	dense → 10 logits → softmax cross-entropy
//
// The convolutions are im2col followed by one BLAS matrix product for the
// whole batch; the dense layer is one product too.
type net struct {
	conv1, conv2 *conv
	fc           *dense
	drop1, drop2 *dropout.Layer[float32] // nil: no dropout there
	h, c1, c2    int                     // input side, channels
	maxN         int

	// Activations of the last forward, each for up to maxN samples.
	a1, d1, p1 []float32 // conv1+ReLU, after dropout, after pooling
	a2, d2, p2 []float32
	logits     []float32

	// Gradients of the same tensors in backward.
	gLogits, gp2, gd2, ga2, gp1, gd1, ga1 []float32
}

const classes = 10

// newNet returns a network for h×h images with c1 and c2 channels, for
// batches of up to maxN images, whose weights are drawn from seed alone, so
// that runs with and without dropout start equal. The Dropout2d layers after
// the first and second convolution drop with p1 and p2 (none where 0) and
// draw their masks from g.
func newNet(h, c1, c2 int, p1, p2 float64, g *dropout.Generator, seed uint64, maxN int) (*net, error) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	h1, h2 := h, h/2
	n := &net{
		conv1: newConv(1, c1, h1, h1, maxN, rng),
		conv2: newConv(c1, c2, h2, h2, maxN, rng),
		fc:    newDense(c2*(h2/2)*(h2/2), classes, rng),
		h:     h, c1: c1, c2: c2, maxN: maxN,
	}
	var err error
	if p1 > 0 {
		if n.drop1, err = dropout.NewDropout2d[float32](p1, g); err != nil {
			return nil, err
		}
	}
	if p2 > 0 {
		if n.drop2, err = dropout.NewDropout2d[float32](p2, g); err != nil {
			return nil, err
		}
	}
	big1, small1 := maxN*c1*h1*h1, maxN*c1*h2*h2
	big2, small2 := maxN*c2*h2*h2, maxN*c2*(h2/2)*(h2/2)
	n.a1, n.d1, n.p1 = make([]float32, big1), make([]float32, big1), make([]float32, small1)
	n.a2, n.d2, n.p2 = make([]float32, big2), make([]float32, big2), make([]float32, small2)
	n.logits = make([]float32, maxN*classes)
	n.gLogits = make([]float32, maxN*classes)
	n.gp2, n.gd2, n.ga2 = make([]float32, small2), make([]float32, big2), make([]float32, big2)
	n.gp1, n.gd1, n.ga1 = make([]float32, small1), make([]float32, big1), make([]float32, big1)
	return n, nil
}

// train and eval switch the dropout layers; eval makes them the identity.
func (n *net) train() {
	for _, l := range []*dropout.Layer[float32]{n.drop1, n.drop2} {
		if l != nil {
			l.Train()
		}
	}
}

func (n *net) eval() {
	for _, l := range []*dropout.Layer[float32]{n.drop1, n.drop2} {
		if l != nil {
			l.Eval()
		}
	}
}

// forward computes the logits of the batch x (b×1×h×h) into n.logits[:b*10].
func (n *net) forward(x []float32, b int) error {
	h1, h2 := n.h, n.h/2
	a1, d1, p1 := n.a1[:b*n.c1*h1*h1], n.d1[:b*n.c1*h1*h1], n.p1[:b*n.c1*h2*h2]
	a2, d2, p2 := n.a2[:b*n.c2*h2*h2], n.d2[:b*n.c2*h2*h2], n.p2[:b*n.c2*(h2/2)*(h2/2)]

	n.conv1.forward(a1, x, b)
	relu(a1)
	if err := dropForward(n.drop1, d1, a1, []int{b, n.c1, h1, h1}); err != nil {
		return err
	}
	maxPool(p1, d1, b*n.c1, h1, h1)

	n.conv2.forward(a2, p1, b)
	relu(a2)
	if err := dropForward(n.drop2, d2, a2, []int{b, n.c2, h2, h2}); err != nil {
		return err
	}
	maxPool(p2, d2, b*n.c2, h2, h2)

	n.fc.forward(n.logits[:b*classes], p2, b)
	return nil
}

// backward propagates n.gLogits[:b*10] through the last forward, leaving the
// weight gradients in the layers. When gx is not nil it also receives the
// gradient of the input.
func (n *net) backward(gx []float32, b int) error {
	h1, h2 := n.h, n.h/2
	a1, gd1, ga1, gp1 := n.a1[:b*n.c1*h1*h1], n.gd1[:b*n.c1*h1*h1], n.ga1[:b*n.c1*h1*h1], n.gp1[:b*n.c1*h2*h2]
	a2, gd2, ga2, gp2 := n.a2[:b*n.c2*h2*h2], n.gd2[:b*n.c2*h2*h2], n.ga2[:b*n.c2*h2*h2], n.gp2[:b*n.c2*(h2/2)*(h2/2)]

	n.fc.backward(gp2, n.gLogits[:b*classes], n.p2[:len(gp2)], b)
	maxPoolBackward(gd2, gp2, n.d2[:len(gd2)], n.p2[:len(gp2)], b*n.c2, h2, h2)
	if err := dropBackward(n.drop2, ga2, gd2); err != nil {
		return err
	}
	reluBackward(ga2, a2)

	n.conv2.backward(gp1, ga2, b)
	maxPoolBackward(gd1, gp1, n.d1[:len(gd1)], n.p1[:len(gp1)], b*n.c1, h1, h1)
	if err := dropBackward(n.drop1, ga1, gd1); err != nil {
		return err
	}
	reluBackward(ga1, a1)
	n.conv1.backward(gx, ga1, b)
	return nil
}

// dropForward applies a Dropout2d layer, or copies when there is none.
func dropForward(l *dropout.Layer[float32], dst, src []float32, shape []int) error {
	if l == nil {
		copy(dst, src)
		return nil
	}
	return l.Forward(dst, src, shape)
}

// dropBackward is the layer's backward pass: dx = dy·s where the last
// Forward kept the channel, 0 where it dropped it.
func dropBackward(l *dropout.Layer[float32], dx, dy []float32) error {
	if l == nil {
		copy(dx, dy)
		return nil
	}
	return l.Backward(dx, dy)
}

// params returns each weight tensor with its gradient, in a fixed order.
func (n *net) params() (w, g [][]float32) {
	w = [][]float32{n.conv1.w, n.conv1.b, n.conv2.w, n.conv2.b, n.fc.w, n.fc.b}
	g = [][]float32{n.conv1.dw, n.conv1.db, n.conv2.dw, n.conv2.db, n.fc.dw, n.fc.db}
	return w, g
}

// conv is a 3×3 convolution with padding 1 and stride 1 from cin to cout
// channels of h×w, as im2col and one matrix product per batch.
type conv struct {
	cin, cout int
	h, wd     int       // plane height and width, the same in and out
	w, b      []float32 // cout × cin·9, cout
	dw, db    []float32
	col       []float32 // cin·9 × maxN·h·w: the patches of the last forward
	out       []float32 // cout × maxN·h·w: the product, channel-major
}

func newConv(cin, cout, h, w, maxN int, rng *rand.Rand) *conv {
	k := cin * 9
	c := &conv{
		cin: cin, cout: cout, h: h, wd: w,
		w: make([]float32, cout*k), b: make([]float32, cout),
		dw: make([]float32, cout*k), db: make([]float32, cout),
		col: make([]float32, k*maxN*h*w), out: make([]float32, cout*maxN*h*w),
	}
	std := math.Sqrt(2 / float64(k)) // He initialisation for ReLU
	for i := range c.w {
		c.w[i] = float32(rng.NormFloat64() * std)
	}
	return c
}

// forward writes y (b×cout×h×w) from x (b×cin×h×w).
func (c *conv) forward(y, x []float32, b int) {
	hw, k := c.h*c.wd, c.cin*9
	cols := b * hw
	col := c.col[:k*cols]
	im2col(col, x, b, c.cin, c.h, c.wd)
	out := c.out[:c.cout*cols]
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		general(c.w, c.cout, k), general(col, k, cols), 0, general(out, c.cout, cols))
	for s := 0; s < b; s++ {
		for o := 0; o < c.cout; o++ {
			src := out[o*cols+s*hw : o*cols+(s+1)*hw]
			dst := y[(s*c.cout+o)*hw : (s*c.cout+o+1)*hw]
			bias := c.b[o]
			for i, v := range src {
				dst[i] = v + bias
			}
		}
	}
}

// backward sets dw and db from dy and the last forward, and writes dx
// unless it is nil.
func (c *conv) backward(dx, dy []float32, b int) {
	hw, k := c.h*c.wd, c.cin*9
	cols := b * hw
	out := c.out[:c.cout*cols]
	for o := 0; o < c.cout; o++ {
		var sum float32
		for s := 0; s < b; s++ {
			src := dy[(s*c.cout+o)*hw : (s*c.cout+o+1)*hw]
			copy(out[o*cols+s*hw:], src)
			for _, v := range src {
				sum += v
			}
		}
		c.db[o] = sum
	}
	col := c.col[:k*cols]
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		general(out, c.cout, cols), general(col, k, cols), 0, general(c.dw, c.cout, k))
	if dx == nil {
		return
	}
	// The patches are no longer needed: their gradient reuses the buffer.
	blas32.Gemm(blas.Trans, blas.NoTrans, 1,
		general(c.w, c.cout, k), general(out, c.cout, cols), 0, general(col, k, cols))
	col2im(dx, col, b, c.cin, c.h, c.wd)
}

// im2col writes the 3×3 patches of x (b×cin×h×w, zero padding 1) as a
// (cin·9) × (b·h·w) matrix: row (ci, ky, kx), column (sample, y, x).
func im2col(col, x []float32, b, cin, h, w int) {
	hw := h * w
	cols := b * hw
	for ci := 0; ci < cin; ci++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := col[((ci*3+ky)*3+kx)*cols:][:cols]
				dx := kx - 1
				for s := 0; s < b; s++ {
					plane := x[(s*cin+ci)*hw:][:hw]
					for oy := 0; oy < h; oy++ {
						dst := row[s*hw+oy*w:][:w]
						iy := oy + ky - 1
						if iy < 0 || iy >= h {
							clear(dst)
							continue
						}
						src := plane[iy*w:][:w]
						switch {
						case dx < 0:
							dst[0] = 0
							copy(dst[1:], src[:w-1])
						case dx > 0:
							copy(dst[:w-1], src[1:])
							dst[w-1] = 0
						default:
							copy(dst, src)
						}
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it sums each patch gradient back onto dx.
func col2im(dx, col []float32, b, cin, h, w int) {
	hw := h * w
	cols := b * hw
	clear(dx[:b*cin*hw])
	for ci := 0; ci < cin; ci++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := col[((ci*3+ky)*3+kx)*cols:][:cols]
				d := kx - 1
				for s := 0; s < b; s++ {
					plane := dx[(s*cin+ci)*hw:][:hw]
					for oy := 0; oy < h; oy++ {
						iy := oy + ky - 1
						if iy < 0 || iy >= h {
							continue
						}
						src := row[s*hw+oy*w:][:w]
						dst := plane[iy*w:][:w]
						switch {
						case d < 0:
							for i, v := range src[1:] {
								dst[i] += v
							}
						case d > 0:
							for i, v := range src[:w-1] {
								dst[i+1] += v
							}
						default:
							for i, v := range src {
								dst[i] += v
							}
						}
					}
				}
			}
		}
	}
}

// dense is a fully connected layer: y (b×out) = x (b×in) · w (in×out) + bias.
type dense struct {
	in, out int
	w, b    []float32
	dw, db  []float32
}

func newDense(in, out int, rng *rand.Rand) *dense {
	d := &dense{
		in: in, out: out,
		w: make([]float32, in*out), b: make([]float32, out),
		dw: make([]float32, in*out), db: make([]float32, out),
	}
	std := math.Sqrt(1 / float64(in))
	for i := range d.w {
		d.w[i] = float32(rng.NormFloat64() * std)
	}
	return d
}

func (d *dense) forward(y, x []float32, b int) {
	for s := 0; s < b; s++ {
		copy(y[s*d.out:(s+1)*d.out], d.b)
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		general(x, b, d.in), general(d.w, d.in, d.out), 1, general(y, b, d.out))
}

func (d *dense) backward(dx, dy, x []float32, b int) {
	blas32.Gemm(blas.Trans, blas.NoTrans, 1,
		general(x, b, d.in), general(dy, b, d.out), 0, general(d.dw, d.in, d.out))
	clear(d.db)
	for s := 0; s < b; s++ {
		for j, v := range dy[s*d.out : (s+1)*d.out] {
			d.db[j] += v
		}
	}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		general(dy, b, d.out), general(d.w, d.in, d.out), 0, general(dx, b, d.in))
}

func general(data []float32, rows, cols int) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

func relu(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}

// reluBackward zeroes the gradient g where the ReLU output y was not positive.
func reluBackward(g, y []float32) {
	for i, v := range y {
		if v <= 0 {
			g[i] = 0
		}
	}
}

// maxPool is 2×2 max pooling with stride 2 over planes of h×w (both even).
func maxPool(y, x []float32, planes, h, w int) {
	oh, ow := h/2, w/2
	for p := 0; p < planes; p++ {
		in := x[p*h*w:][:h*w]
		out := y[p*oh*ow:][:oh*ow]
		for oy := 0; oy < oh; oy++ {
			r0, r1 := in[2*oy*w:][:w], in[(2*oy+1)*w:][:w]
			o := out[oy*ow:][:ow]
			for ox := range o {
				o[ox] = max(r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1])
			}
		}
	}
}

// maxPoolBackward routes each output gradient in dy to the input of its
// window that forward took the maximum from (the first, on a tie), and zero
// to the others.
func maxPoolBackward(dx, dy, x, y []float32, planes, h, w int) {
	oh, ow := h/2, w/2
	clear(dx[:planes*h*w])
	for p := 0; p < planes; p++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				o := (p*oh+oy)*ow + ox
				i := p*h*w + 2*oy*w + 2*ox
				for _, j := range [4]int{i, i + 1, i + w, i + w + 1} {
					if x[j] == y[o] {
						dx[j] = dy[o]
						break
					}
				}
			}
		}
	}
}

// softmaxLoss returns the mean cross-entropy of the logits (b×10) against
// the labels and the number of correct predictions, and writes into grad
// (when not nil) the gradient of the mean loss w.r.t. the logits. The
// sums are in float64.
func softmaxLoss(grad, logits []float32, labels []uint8) (loss float64, correct int) {
	b := len(labels)
	var p [classes]float64
	for s := 0; s < b; s++ {
		z := logits[s*classes : (s+1)*classes]
		best := 0
		for j := range z {
			if z[j] > z[best] {
				best = j
			}
		}
		if best == int(labels[s]) {
			correct++
		}
		m := float64(z[best])
		var sum float64
		for j, v := range z {
			p[j] = math.Exp(float64(v) - m)
			sum += p[j]
		}
		loss += math.Log(sum) - (float64(z[labels[s]]) - m)
		if grad != nil {
			g := grad[s*classes : (s+1)*classes]
			for j := range g {
				q := p[j] / sum
				if j == int(labels[s]) {
					q--
				}
				g[j] = float32(q / float64(b))
			}
		}
	}
	return loss / float64(b), correct
}

// adam is the Adam optimiser over a fixed list of weight tensors.
type adam struct {
	lr, b1, b2, eps float64
	t               int
	m, v            [][]float32
}

func newAdam(lr float64, w [][]float32) *adam {
	a := &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8}
	for _, x := range w {
		a.m = append(a.m, make([]float32, len(x)))
		a.v = append(a.v, make([]float32, len(x)))
	}
	return a
}

func (a *adam) step(w, g [][]float32) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	lr := float32(a.lr * math.Sqrt(c2) / c1)
	b1, b2, eps := float32(a.b1), float32(a.b2), float32(a.eps)
	for i := range w {
		m, v := a.m[i], a.v[i]
		for j, gj := range g[i] {
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			w[i][j] -= lr * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
		}
	}
}

// sgd is stochastic gradient descent with momentum.
type sgd struct {
	lr, mu float32
	v      [][]float32
}

func newSGD(lr, momentum float64, w [][]float32) *sgd {
	o := &sgd{lr: float32(lr), mu: float32(momentum)}
	for _, x := range w {
		o.v = append(o.v, make([]float32, len(x)))
	}
	return o
}

func (o *sgd) step(w, g [][]float32) {
	for i := range w {
		v := o.v[i]
		for j, gj := range g[i] {
			v[j] = o.mu*v[j] + gj
			w[i][j] -= o.lr * v[j]
		}
	}
}
