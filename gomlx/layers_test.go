package gomlx

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

func rngStateVar(t testing.TB, ctx *context.Context) [3]uint64 {
	t.Helper()
	v := ctx.GetVariableByScopeAndName(context.RootScope, context.RNGStateVariableName)
	if v == nil {
		t.Fatal("the context has no RNG state variable")
	}
	val, err := v.Value()
	must(t, err)
	f := tensors.MustCopyFlatData[uint64](val)
	return [3]uint64{f[0], f[1], f[2]}
}

// layers.Dropout, forward and backward, on the backend: the mask is the one
// the Philox reference gives for the context's state through gomlx's own
// RandomUniform (float32(u32)·2⁻³², dropped where ≤ rate), the gradient
// uses the same mask, and the state advances by ceil(n/4) blocks per step.
func TestDropoutForwardBackward(t *testing.T) {
	b := newBackend(t)
	ctx := context.New()
	must(t, ctx.SetRNGStateFromSeed(7))
	state := rngStateVar(t, ctx)
	const rows, cols, rate = 37, 53, 0.25 // n = 1961, not a multiple of 4
	const n = rows * cols

	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		g := x.Graph()
		ctx.SetTraining(g, true)
		y := layers.Dropout(ctx, x, graph.Scalar(g, dtypes.Float32, rate))
		dx := graph.Gradient(graph.ReduceAllSum(y), x)[0]
		return []*graph.Node{y, dx}
	})
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i+1) / 8
	}
	xt := tensors.FromFlatDataAndDimensions(x, rows, cols)
	keep := float32(1 - rate)
	for step := 0; step < 2; step++ {
		out := exec.MustExec(xt)
		y := tensors.MustCopyFlatData[float32](out[0])
		dx := tensors.MustCopyFlatData[float32](out[1])
		words, blocks := refWords(state, n)
		dropped := 0
		for i, u := range words {
			r := min(float32(u)*float32(math.Ldexp(1, -32)), math.Nextafter32(1, 0))
			wantY, wantDx := float32(0), float32(0)
			if r <= rate {
				dropped++
			} else {
				wantY, wantDx = x[i]/keep, 1/keep
			}
			if y[i] != wantY || dx[i] != wantDx {
				t.Fatalf("step %d, element %d (u = %#x): y = %g, dx = %g; want %g, %g",
					step, i, u, y[i], dx[i], wantY, wantDx)
			}
		}
		if dropped < n/8 || dropped > n*3/8 {
			t.Errorf("step %d: %d of %d dropped at rate %g", step, dropped, n, rate)
		}
		state = refState(state, blocks)
		if got := rngStateVar(t, ctx); got != state {
			t.Fatalf("step %d: RNG state %#x, want %#x", step, got, state)
		}
	}
}

// trainMLP trains a 4→32→1 MLP with dropout after the hidden layer on
// synthetic regression data and returns the training loss of every step.
func trainMLP(t testing.TB, seed int64, steps int) []float32 {
	t.Helper()
	b := newBackend(t)
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, seed)
	must(t, ctx.SetRNGStateFromSeed(seed))

	const batch, features = 128, 4
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	xs := make([]float32, batch*features)
	ys := make([]float32, batch)
	for i := 0; i < batch; i++ {
		f := xs[i*features : (i+1)*features]
		for j := range f {
			f[j] = float32(rng.Float64()*2 - 1)
		}
		ys[i] = 1.5*f[0] - f[1] + 0.5*f[2]*f[3]
	}
	xt := tensors.FromFlatDataAndDimensions(xs, batch, features)
	yt := tensors.FromFlatDataAndDimensions(ys, batch, 1)

	model := func(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
		g := inputs[0].Graph()
		h := layers.Dense(ctx.In("hidden"), inputs[0], true, 32)
		h = activations.Relu(h)
		h = layers.Dropout(ctx, h, graph.Scalar(g, dtypes.Float32, 0.1))
		return []*graph.Node{layers.Dense(ctx.In("out"), h, true, 1)}
	}
	trainer := train.NewTrainer(b, ctx, model, losses.MeanSquaredError,
		optimizers.Adam().LearningRate(0.02).Done(), nil, nil)
	out := make([]float32, steps)
	for s := range out {
		m, err := trainer.TrainStep(nil, []*tensors.Tensor{xt}, []*tensors.Tensor{yt})
		must(t, err)
		out[s] = m[0].Value().(float32)
	}
	return out
}

// A small training run with dropout on the backend: the loss falls, and
// the same seed gives the same losses bit for bit.
func TestTrainingWithDropout(t *testing.T) {
	const steps = 120
	a := trainMLP(t, 3, steps)
	mean := func(v []float32) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x)
		}
		return s / float64(len(v))
	}
	first, last := mean(a[:5]), mean(a[steps-10:])
	t.Logf("loss: first 5 steps %.4f, last 10 %.4f", first, last)
	if !(last < first/4) {
		t.Errorf("loss fell from %.4f to %.4f only, want below a quarter", first, last)
	}
	b := trainMLP(t, 3, steps)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("step %d: loss %g, then %g with the same seed", i, a[i], b[i])
		}
	}
}
