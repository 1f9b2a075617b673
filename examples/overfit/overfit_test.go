package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var smoke = setting{name: "smoke", trainN: 300, c1: 4, c2: 8, p1: 0.2, p2: 0.2, epochs: 1, batch: 16, lr: 3e-3}

// The experiment end to end, small: one epoch on 300 training images, both
// runs, evaluated on 1,000 test images; the table is printed and the plot
// drawn.
func TestSmoke(t *testing.T) {
	var out, progress bytes.Buffer
	png := filepath.Join(t.TempDir(), "overfit.png")
	o := options{plotPath: png, seeds: []uint64{1}, settings: []setting{smoke}, workers: 2, testN: 1000}
	if err := run(o, &out, &progress); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + progress.String() + out.String())
	for _, want := range []string{"setting smoke", "no dropout", "Dropout2d", "summary after 1 epochs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	checkPNG(t, png)
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 200 {
		t.Errorf("plot is %v", b)
	}
}

// One epoch learns something in both runs (chance is 10%), and a run is reproducible: the
// same seed gives the same numbers, to the bit.
func TestLearnsAndReproduces(t *testing.T) {
	dir, err := mnistDir()
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := loadMNIST(dir, smoke.trainN)
	if err != nil {
		t.Fatal(err)
	}
	test = test.first(1000)
	for _, drop := range []bool{false, true} {
		a, err := trainRun(smoke, drop, 7, train, test)
		if err != nil {
			t.Fatal(err)
		}
		b, err := trainRun(smoke, drop, 7, train, test)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("dropout %v: two runs with seed 7 differ:\n%+v\n%+v", drop, a, b)
		}
		if acc := a[0].testAcc; acc < 20 {
			t.Errorf("dropout %v: test accuracy %.1f%% after one epoch", drop, acc)
		}
		t.Logf("dropout %v: %+v", drop, a[0])
	}
}
