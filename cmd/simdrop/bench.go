package main

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/simdrop/simdrop/dropout"
	"github.com/simdrop/simdrop/internal/baseline"
)

//go:embed torch_bench.py
var torchScript string

// reportShapes are the shapes of the side-by-side table.
var reportShapes = [][4]int{
	{1, 8, 4, 4},
	{2, 3, 224, 224},
	{8, 256, 28, 28},
	{32, 64, 56, 56},
	{64, 64, 112, 112},
}

// sweepShapes span tensor sizes from 4 KiB to 200 MiB for the plot.
var sweepShapes = [][4]int{
	{1, 16, 8, 8}, {1, 16, 16, 16}, {1, 32, 32, 32}, {1, 32, 64, 64}, {1, 64, 64, 64},
	{1, 64, 112, 112}, {2, 64, 112, 112}, {4, 64, 112, 112}, {8, 64, 112, 112},
	{16, 64, 112, 112}, {32, 64, 112, 112}, {64, 64, 112, 112},
}

type benchConfig struct {
	op      string // "dropout2d" or "dropout" (elementwise)
	shapes  [][4]int
	p       float64
	rounds  int
	threads int
	minTime time.Duration
	torch   bool
	plot    string
}

// impl is one implementation under measurement: run does reps calls.
type impl struct {
	name string
	run  func(reps int) (time.Duration, error)
}

// runBench measures every implementation on every shape in interleaved
// rounds and prints a table of medians; with cfg.plot it also writes an SVG
// of throughput against tensor size.
func runBench(w io.Writer, cfg benchConfig) error {
	defer dropout.SetParallelism(dropout.SetParallelism(cfg.threads))
	var torch *torchBridge
	if cfg.torch {
		t, err := startTorch(cfg.threads)
		if err != nil {
			fmt.Fprintf(w, "PyTorch: not measured (%v)\n", err)
		} else {
			torch = t
			defer torch.close()
			fmt.Fprintf(w, "PyTorch: %s, %d thread(s)\n", torch.version, cfg.threads)
		}
	}
	fmt.Fprintf(w, "%s float32, p = %v, %d goroutine(s), %d interleaved rounds, medians; GB/s = 2 × tensor bytes / time\n\n",
		opTitle(cfg.op), cfg.p, cfg.threads, cfg.rounds)

	var rows []benchRow
	for _, s := range cfg.shapes {
		row, err := benchShape(s, cfg, torch)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	printTable(w, rows)
	if cfg.plot != "" {
		if err := os.WriteFile(cfg.plot, []byte(plotSVG(rows, cfg)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nplot: %s\n", cfg.plot)
	}
	return nil
}

type benchRow struct {
	shape  [4]int
	bytes  int // tensor bytes
	names  []string
	median []time.Duration
}

func benchShape(s [4]int, cfg benchConfig, torch *torchBridge) (benchRow, error) {
	numel := s[0] * s[1] * s[2] * s[3]
	plane := s[2] * s[3]
	src := make([]float32, numel)
	for i := range src {
		src[i] = float32(i%1000)*0.001 - 0.5
	}
	dst := make([]float32, numel)
	g := dropout.NewGenerator(1)
	m, err := dropout.Dropout2d(dst, src, s[:], cfg.p, g)
	if err != nil {
		return benchRow{}, err
	}
	scale := float32(1) / float32(1-cfg.p)

	timed := func(f func()) func(int) (time.Duration, error) {
		return func(reps int) (time.Duration, error) {
			t0 := time.Now()
			for i := 0; i < reps; i++ {
				f()
			}
			return time.Since(t0), nil
		}
	}
	impls := []impl{{"copy", timed(func() { copy(dst, src) })}}
	if cfg.op == "dropout" {
		r := rand.New(rand.NewPCG(1, 2))
		impls = append(impls, impl{"naive", timed(func() { baseline.NaiveElementwise(dst, src, r, cfg.p, scale) })})
	} else {
		impls = append(impls,
			impl{"bound", timed(func() { baseline.Bound(dst, src, m, plane) })},
			impl{"naive", timed(func() { baseline.Naive(dst, src, m, plane, scale) })})
	}
	for _, k := range dropout.Kernels() {
		newLayer := dropout.NewDropout2d[float32]
		if cfg.op == "dropout" {
			newLayer = dropout.NewDropout[float32]
		}
		layer, err := newLayer(cfg.p, g)
		if err != nil {
			return benchRow{}, err
		}
		impls = append(impls, impl{k, func(reps int) (time.Duration, error) {
			if err := dropout.UseKernel(k); err != nil {
				return 0, err
			}
			t0 := time.Now()
			for i := 0; i < reps; i++ {
				if err := layer.Forward(dst, src, s[:]); err != nil {
					return 0, err
				}
			}
			return time.Since(t0), nil
		}})
	}
	if torch != nil {
		impls = append(impls, impl{"pytorch", func(reps int) (time.Duration, error) {
			return torch.time(cfg.op, s, cfg.p, reps)
		}})
	}
	defer dropout.UseKernel(dropout.Kernel())

	// Calibrate: enough calls per measurement to last cfg.minTime.
	reps := make([]int, len(impls))
	for i, im := range impls {
		d, err := im.run(1)
		if err != nil {
			return benchRow{}, fmt.Errorf("%s: %w", im.name, err)
		}
		reps[i] = max(1, int(cfg.minTime/max(d, time.Nanosecond)))
		if _, err := im.run(min(reps[i], 3)); err != nil { // warm
			return benchRow{}, err
		}
	}
	per := make([][]time.Duration, len(impls))
	for r := 0; r < cfg.rounds; r++ {
		for i, im := range impls {
			d, err := im.run(reps[i])
			if err != nil {
				return benchRow{}, fmt.Errorf("%s: %w", im.name, err)
			}
			per[i] = append(per[i], d/time.Duration(reps[i]))
		}
	}
	row := benchRow{shape: s, bytes: 4 * numel}
	for i, im := range impls {
		slices.Sort(per[i])
		row.names = append(row.names, im.name)
		row.median = append(row.median, per[i][len(per[i])/2])
	}
	return row, nil
}

func printTable(w io.Writer, rows []benchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s (%s)\ttime\tGB/s\tvs copy\tvs naive\tvs bound\t\n",
			shapeString(row.shape), byteString(row.bytes))
		base := map[string]time.Duration{}
		for i, n := range row.names {
			base[n] = row.median[i]
		}
		for i, n := range row.names {
			d := row.median[i]
			gbs := 2 * float64(row.bytes) / d.Seconds() / 1e9
			fmt.Fprintf(tw, "  %s\t%s\t%.1f\t%s\t%s\t%s\t\n", n, durString(d), gbs,
				ratio(base["copy"], d), ratio(base["naive"], d), ratio(base["bound"], d))
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t")
	}
	tw.Flush()
	fmt.Fprintln(w, "ratios are speed-ups: 2.00× = twice as fast as the column's baseline")
}

func opTitle(op string) string {
	if op == "dropout" {
		return "Dropout (elementwise)"
	}
	return "Dropout2d"
}

func ratio(base, d time.Duration) string {
	if base == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", base.Seconds()/d.Seconds())
}

func shapeString(s [4]int) string { return fmt.Sprintf("%d×%d×%d×%d", s[0], s[1], s[2], s[3]) }

func byteString(b int) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

func durString(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(d)/1e3)
	}
	return fmt.Sprintf("%d ns", d.Nanoseconds())
}

// torchBridge drives torch_bench.py in one python3 process for the whole run.
type torchBridge struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	version string
}

// startTorch finds a python3 that imports torch ($SIMDROP_PYTHON first).
func startTorch(threads int) (*torchBridge, error) {
	var tried []string
	for _, py := range []string{os.Getenv("SIMDROP_PYTHON"), "python3", "/usr/bin/python3"} {
		if py == "" || slices.Contains(tried, py) {
			continue
		}
		tried = append(tried, py)
		if exec.Command(py, "-c", "import torch").Run() != nil {
			continue
		}
		cmd := exec.Command(py, "-c", torchScript, strconv.Itoa(threads))
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		b := &torchBridge{cmd: cmd, in: in, out: bufio.NewScanner(out)}
		if !b.out.Scan() {
			b.close()
			return nil, fmt.Errorf("%s did not start the torch script", py)
		}
		b.version = b.out.Text()
		return b, nil
	}
	return nil, fmt.Errorf("no python3 that imports torch among %s", strings.Join(tried, ", "))
}

func (b *torchBridge) time(op string, s [4]int, p float64, reps int) (time.Duration, error) {
	if _, err := fmt.Fprintf(b.in, "%s %d %d %d %d %v %d\n", op, s[0], s[1], s[2], s[3], p, reps); err != nil {
		return 0, err
	}
	if !b.out.Scan() {
		return 0, fmt.Errorf("torch script ended: %v", b.out.Err())
	}
	ns, err := strconv.ParseFloat(b.out.Text(), 64)
	if err != nil || math.IsNaN(ns) {
		return 0, fmt.Errorf("torch script answered %q", b.out.Text())
	}
	return time.Duration(ns * float64(reps)), nil
}

func (b *torchBridge) close() {
	b.in.Close()
	b.cmd.Wait()
}
