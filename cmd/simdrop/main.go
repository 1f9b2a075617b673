// Command simdrop shows what the dropout package does on this machine.
//
//	simdrop info              CPU features, usable kernels, the one chosen
//	simdrop demo [-seed N]    Dropout2d on a 2×3×224×224 tensor, explained
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
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
`)
}
