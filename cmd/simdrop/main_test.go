package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"demo", "-seed", "42"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"seed 42", "kernel " + dropout.Kernel(), "exactly x × 2", "eval mode: output equals input: yes", "backward: dL/dx = dL/dy × 2 on kept channels, 0 on zeroed ones: yes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	// The seed reproduces the run.
	var again bytes.Buffer
	run([]string{"demo", "-seed", "42"}, &again, &errOut)
	if again.String() != out.String() {
		t.Error("demo -seed 42 printed something different the second time")
	}
}

func TestInfo(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"info"}, &out, &out); code != 0 {
		t.Fatalf("info exited %d", code)
	}
	for _, name := range dropout.Kernels() {
		if !strings.Contains(out.String(), name) {
			t.Errorf("info does not list kernel %q:\n%s", name, out.String())
		}
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"demo", "-p", "1.5"}, {"demo", "-seed", "x"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code == 0 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want an error", args, code, errOut.String())
		}
	}
}
