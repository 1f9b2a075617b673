// Command simdrop shows what the dropout package does on this machine.
//
//	simdrop info              CPU features, usable kernels, the one chosen
//	simdrop demo [-seed N]    Dropout2d on a 2×3×224×224 tensor, explained
//	simdrop bench             timings beside copy(), a naive loop and PyTorch
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "info":
		info(stdout)
		return 0
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		fs.SetOutput(stderr)
		seed := fs.Uint64("seed", 0, "generator seed (0: pick one and print it)")
		p := fs.Float64("p", 0.5, "drop probability")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if err := demo(stdout, *seed, *p); err != nil {
			fmt.Fprintln(stderr, "simdrop demo:", err)
			return 1
		}
		return 0
	case "bench":
		fs := flag.NewFlagSet("bench", flag.ContinueOnError)
		fs.SetOutput(stderr)
		cfg := benchConfig{shapes: reportShapes}
		fs.StringVar(&cfg.op, "op", "dropout2d", "dropout2d (channels) or dropout (elementwise)")
		fs.Float64Var(&cfg.p, "p", 0.5, "drop probability")
		fs.IntVar(&cfg.rounds, "rounds", 7, "interleaved rounds per shape (the median is reported)")
		fs.IntVar(&cfg.threads, "threads", 1, "goroutines for simdrop and threads for PyTorch")
		fs.DurationVar(&cfg.minTime, "min", 20*time.Millisecond, "least time per measurement")
		fs.BoolVar(&cfg.torch, "torch", true, "also measure PyTorch's F.dropout2d when python3 can import torch")
		plot := fs.String("plot", "", "also sweep tensor sizes and write throughput vs size to this SVG file")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if !(cfg.p > 0 && cfg.p < 1) || cfg.rounds < 1 || cfg.threads < 1 || (cfg.op != "dropout2d" && cfg.op != "dropout") {
			fmt.Fprintln(stderr, "simdrop bench: need 0 < p < 1, rounds >= 1, threads >= 1, -op dropout2d or dropout")
			return 2
		}
		if err := runBench(stdout, cfg); err != nil {
			fmt.Fprintln(stderr, "simdrop bench:", err)
			return 1
		}
		if *plot != "" {
			sweep := cfg
			sweep.shapes, sweep.plot = sweepShapes, *plot
			fmt.Fprint(stdout, "\nsize sweep for the plot\n\n")
			if err := runBench(stdout, sweep); err != nil {
				fmt.Fprintln(stderr, "simdrop bench:", err)
				return 1
			}
		}
		return 0
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "simdrop: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  simdrop info              CPU features, usable kernels, the one chosen
  simdrop demo [-seed N]    Dropout2d on a 2×3×224×224 tensor, explained
                            [-p P] drop probability (default 0.5)
  simdrop bench             side-by-side timings: every kernel path, copy(), a naive
                            loop, the memory bound and PyTorch (when importable)
                            [-op dropout2d|dropout] [-threads N] [-rounds R]
                            [-plot out.svg] [-torch=false]
`)
}
