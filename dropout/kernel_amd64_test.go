//go:build gc && !purego

package dropout

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// amd64Paths names the assembly functions of each amd64 path; every function
// in dropout_amd64.s must belong to one of them.
var amd64Paths = map[string][]string{
	"avx512": {"scalePlanesAVX512F32", "scalePlanesAVX512F64"},
	"avx2":   {"scalePlanesAVX2F32", "scalePlanesAVX2F64"},
}

// requiresByFunc reads the "// Requires:" comment that avo writes above each
// function in dropout_amd64.s.
func requiresByFunc(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile("dropout_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	reqs := map[string][]string{}
	fn := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "// func "); ok {
			fn, _, _ = strings.Cut(rest, "(")
			reqs[fn] = nil
		} else if rest, ok := strings.CutPrefix(line, "// Requires: "); ok && fn != "" {
			reqs[fn] = strings.Split(rest, ", ")
		}
	}
	if len(reqs) == 0 {
		t.Fatal("no functions found in dropout_amd64.s")
	}
	return reqs
}

// TestAMD64PathsRegistered fails if a path this CPU can run is missing from
// the registry or not marked usable, or if a path is usable without every
// feature its generated code requires.
func TestAMD64PathsRegistered(t *testing.T) {
	reqs := requiresByFunc(t)
	claimed := map[string]bool{}
	for _, fns := range amd64Paths {
		for _, fn := range fns {
			claimed[fn] = true
		}
	}
	for fn := range reqs {
		if !claimed[fn] {
			t.Errorf("%s in dropout_amd64.s belongs to no path in amd64Paths", fn)
		}
	}

	for name, fns := range amd64Paths {
		var feats []cpuid.FeatureID
		var names []string
		for _, fn := range fns {
			r, ok := reqs[fn]
			if !ok {
				t.Errorf("path %s: function %s not in dropout_amd64.s", name, fn)
			}
			if len(r) == 0 {
				t.Errorf("path %s: function %s has no Requires comment", name, fn)
			}
			for _, f := range r {
				id := cpuid.ParseFeature(f)
				if id == cpuid.UNKNOWN {
					t.Errorf("path %s: cpuid does not know feature %q required by %s", name, f, fn)
				}
				if !slices.Contains(feats, id) {
					feats = append(feats, id)
					names = append(names, f)
				}
			}
		}
		want := cpuid.CPU.Supports(feats...)
		t.Logf("path %s requires %v; this CPU: %v", name, names, want)

		var k *kernelSet
		for _, r := range registry {
			if r.name == name {
				k = r
			}
		}
		switch {
		case k == nil:
			t.Errorf("path %s is not in the registry", name)
		case k.usable != want:
			t.Errorf("path %s: usable = %v, but the CPU supports %v: %v", name, k.usable, names, want)
		case k.scalePlanes32 == nil || k.scalePlanes64 == nil:
			t.Errorf("path %s has a nil kernel", name)
		}
	}
}
