package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/simdrop/simdrop/dropout"
)

// A setting is one experiment: a model, a training subset and a schedule.
// Each seed trains it twice, without and with Dropout2d, from the same
// initial weights and in the same data order.
type setting struct {
	name   string
	trainN int     // the first trainN images of the MNIST training set
	c1, c2 int     // channels of the two convolutions
	p1, p2 float64 // drop probabilities of the two Dropout2d layers in the dropout run
	epochs int
	batch  int
	lr     float64
	sgd    bool // SGD with momentum 0.9 instead of Adam
}

func (s setting) String() string {
	opt := "Adam"
	if s.sgd {
		opt = "SGD momentum 0.9"
	}
	return fmt.Sprintf("setting %s: %d training images, conv 3×3 %d→%d channels, Dropout2d p=%g after conv1 and p=%g after conv2, %d epochs, batch %d, %s lr %g",
		s.name, s.trainN, s.c1, s.c2, s.p1, s.p2, s.epochs, s.batch, opt, s.lr)
}

// short is the setting in a few words, for the plot.
func (s setting) short() string {
	opt := "Adam"
	if s.sgd {
		opt = "SGD"
	}
	return fmt.Sprintf("%d images, conv %d→%d, %s", s.trainN, s.c1, s.c2, opt)
}

// stats are one epoch's numbers, measured after the epoch in evaluation mode
// (dropout off) on the whole training subset and the whole test set.
type stats struct {
	trainLoss, trainAcc, testLoss, testAcc float64
}

func (s stats) gap() float64 { return s.trainAcc - s.testAcc }

const evalBatch = 250

// trainRun trains s from seed, with the Dropout2d layers when drop is true,
// and returns the stats of every epoch.
func trainRun(s setting, drop bool, seed uint64, train, test *dataset) ([]stats, error) {
	var p1, p2 float64
	if drop {
		p1, p2 = s.p1, s.p2
	}
	g := dropout.NewGenerator(seed)
	nt, err := newNet(side, s.c1, s.c2, p1, p2, g, seed, max(s.batch, evalBatch))
	if err != nil {
		return nil, err
	}
	w, gw := nt.params()
	var opt interface{ step(w, g [][]float32) } = newAdam(s.lr, w)
	if s.sgd {
		opt = newSGD(s.lr, 0.9, w)
	}
	order := rand.New(rand.NewPCG(seed, 0x0de4))
	perm := make([]int, train.len())
	for i := range perm {
		perm[i] = i
	}
	const px = side * side
	xb := make([]float32, s.batch*px)
	yb := make([]uint8, s.batch)

	var out []stats
	for epoch := 0; epoch < s.epochs; epoch++ {
		order.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		nt.train()
		for at := 0; at < len(perm); at += s.batch {
			b := min(s.batch, len(perm)-at)
			for i, k := range perm[at : at+b] {
				copy(xb[i*px:(i+1)*px], train.x[k*px:(k+1)*px])
				yb[i] = train.y[k]
			}
			if err := nt.forward(xb[:b*px], b); err != nil {
				return nil, err
			}
			softmaxLoss(nt.gLogits[:b*classes], nt.logits[:b*classes], yb[:b])
			if err := nt.backward(nil, b); err != nil {
				return nil, err
			}
			opt.step(w, gw)
		}
		nt.eval()
		var st stats
		if st.trainLoss, st.trainAcc, err = evaluate(nt, train); err != nil {
			return nil, err
		}
		if st.testLoss, st.testAcc, err = evaluate(nt, test); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// evaluate returns the mean loss and the accuracy (in %) of nt on d.
func evaluate(nt *net, d *dataset) (loss, acc float64, err error) {
	const px = side * side
	var sum float64
	var correct int
	for at := 0; at < d.len(); at += evalBatch {
		b := min(evalBatch, d.len()-at)
		if err := nt.forward(d.x[at*px:(at+b)*px], b); err != nil {
			return 0, 0, err
		}
		l, c := softmaxLoss(nil, nt.logits[:b*classes], d.y[at:at+b])
		sum += l * float64(b)
		correct += c
	}
	n := float64(d.len())
	return sum / n, 100 * float64(correct) / n, nil
}

// A result holds every run of a setting: runs[0] without dropout, runs[1]
// with; runs[r][i] is seed i's per-epoch stats.
type result struct {
	s     setting
	seeds []uint64
	runs  [2][][]stats
}

var runNames = [2]string{"no dropout", "Dropout2d"}

// experiment trains every seed of s both ways, logging progress to log.
// The runs are independent and go in parallel, up to workers at a time; each
// is deterministic, so the result does not depend on workers.
func experiment(s setting, seeds []uint64, train, test *dataset, workers int, log io.Writer) (*result, error) {
	res := &result{s: s, seeds: seeds}
	for r := range res.runs {
		res.runs[r] = make([][]stats, len(seeds))
	}
	type job struct{ run, seed int }
	jobs := make(chan job)
	errs := make(chan error, len(seeds)*2)
	var mu sync.Mutex // guards log
	var wg sync.WaitGroup
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t0 := time.Now()
				st, err := trainRun(s, j.run == 1, seeds[j.seed], train, test)
				if err != nil {
					errs <- err
					continue
				}
				res.runs[j.run][j.seed] = st
				last := st[len(st)-1]
				mu.Lock()
				fmt.Fprintf(log, "%s seed %d %-10s  test %.2f%%  gap %5.2f  (%.1fs)\n",
					s.name, seeds[j.seed], runNames[j.run], last.testAcc, last.gap(), time.Since(t0).Seconds())
				mu.Unlock()
			}
		}()
	}
	for i := range seeds {
		for r := range res.runs {
			jobs <- job{r, i}
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return res, nil
}

// meanSpread returns the mean, the sample standard deviation, the minimum and
// the maximum of xs.
func meanSpread(xs []float64) (mean, sd, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			sd += (x - mean) * (x - mean)
		}
		sd = math.Sqrt(sd / float64(len(xs)-1))
	}
	return mean, sd, lo, hi
}

// column collects one number of one run at one epoch across the seeds.
func (r *result) column(run, epoch int, f func(stats) float64) []float64 {
	xs := make([]float64, len(r.seeds))
	for i := range r.seeds {
		xs[i] = f(r.runs[run][i][epoch])
	}
	return xs
}

func mean(xs []float64) float64 { m, _, _, _ := meanSpread(xs); return m }

// printTable writes the per-epoch means over seeds, then the final epoch of
// every seed and the summary.
func (r *result) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%s\nseeds %v; numbers are means over the seeds, measured in evaluation mode after each epoch\n\n", r.s, r.seeds)
	fmt.Fprintf(w, "%5s | %-40s | %-40s\n", "", runNames[0], runNames[1])
	head := fmt.Sprintf("%8s %7s %8s %7s %6s", "tr loss", "tr acc", "te loss", "te acc", "gap")
	fmt.Fprintf(w, "%5s | %s | %s\n", "epoch", head, head)
	fmt.Fprintln(w, strings.Repeat("-", 5)+"-+-"+strings.Repeat("-", 40)+"-+-"+strings.Repeat("-", 40))
	for e := 0; e < r.s.epochs; e++ {
		fmt.Fprintf(w, "%5d", e+1)
		for run := 0; run < 2; run++ {
			fmt.Fprintf(w, " | %8.4f %6.2f%% %8.4f %6.2f%% %6.2f",
				mean(r.column(run, e, func(s stats) float64 { return s.trainLoss })),
				mean(r.column(run, e, func(s stats) float64 { return s.trainAcc })),
				mean(r.column(run, e, func(s stats) float64 { return s.testLoss })),
				mean(r.column(run, e, func(s stats) float64 { return s.testAcc })),
				mean(r.column(run, e, stats.gap)))
		}
		fmt.Fprintln(w)
	}

	last := r.s.epochs - 1
	fmt.Fprintf(w, "\nfinal epoch per seed (test accuracy, train−test accuracy gap in points, test loss):\n")
	for i, seed := range r.seeds {
		fmt.Fprintf(w, "  seed %d:", seed)
		for run := 0; run < 2; run++ {
			st := r.runs[run][i][last]
			fmt.Fprintf(w, "  %s %.2f%% gap %.2f loss %.4f;", runNames[run], st.testAcc, st.gap(), st.testLoss)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nsummary after %d epochs, mean ± sd [min, max] over %d seeds:\n", r.s.epochs, len(r.seeds))
	for run := 0; run < 2; run++ {
		fmt.Fprintf(w, "  %-10s  test accuracy %s  gap %s  test loss %s\n", runNames[run],
			spread(r.column(run, last, func(s stats) float64 { return s.testAcc }), "%.2f"),
			spread(r.column(run, last, stats.gap), "%.2f"),
			spread(r.column(run, last, func(s stats) float64 { return s.testLoss }), "%.4f"))
	}
}

func spread(xs []float64, f string) string {
	m, sd, lo, hi := meanSpread(xs)
	return fmt.Sprintf(f+" ± "+f+" ["+f+", "+f+"]", m, sd, lo, hi)
}
