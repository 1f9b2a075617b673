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
	"avx512": {
		"scalePlanesAVX512F32", "scalePlanesAVX512F64", "scalePlanesAVX512NTF32", "scalePlanesAVX512NTF64",
		"scaleBitsAVX512F32", "scaleBitsAVX512F64", "dropoutPhiloxAVX512F32", "dropoutPhiloxAVX512F64",
		"scaleRowsAVX512F32", "scaleRowsAVX512F64", "scaleRowsAVX512NTF32", "scaleRowsAVX512NTF64",
		"affinePlanesAVX512F32", "affinePlanesAVX512F64", "affineBitsAVX512F32", "affineBitsAVX512F64",
		"scalePlanesAVX512BF16", "scaleRowsAVX512BF16", "affinePlanesAVX512BF16", "scaleBitsAVX512BF16", "dropoutPhiloxAVX512BF16", "affineBitsAVX512BF16",
		"scalePlanesAVX512F16", "scaleRowsAVX512F16", "affinePlanesAVX512F16", "scaleBitsAVX512F16", "dropoutPhiloxAVX512F16", "affineBitsAVX512F16",
		"keepPlanesAVX512", "philoxRawAVX512",
		"residualPlanesAVX512F32", "residualPlanesAVX512F64", "residualRowsAVX512F32", "residualRowsAVX512F64",
		"residualBitsAVX512F32", "residualBitsAVX512F64", "residualPhiloxAVX512F32", "residualPhiloxAVX512F64",
		"sumRowsAVX512F32", "sumRowsAVX512F64",
		"residualPlanesAVX512BF16", "residualRowsAVX512BF16", "residualBitsAVX512BF16", "residualPhiloxAVX512BF16", "sumRowsAVX512BF16",
		"residualPlanesAVX512F16", "residualRowsAVX512F16", "residualBitsAVX512F16", "residualPhiloxAVX512F16", "sumRowsAVX512F16",
	},
	"avx2": {
		"scalePlanesAVX2F32", "scalePlanesAVX2F64", "scalePlanesAVX2NTF32", "scalePlanesAVX2NTF64",
		"scaleBitsAVX2F32", "scaleBitsAVX2F64", "dropoutPhiloxAVX2F32", "dropoutPhiloxAVX2F64",
		"scaleRowsAVX2F32", "scaleRowsAVX2F64", "scaleRowsAVX2NTF32", "scaleRowsAVX2NTF64",
		"affinePlanesAVX2F32", "affinePlanesAVX2F64", "affineBitsAVX2F32", "affineBitsAVX2F64",
		"scalePlanesAVX2BF16", "scaleRowsAVX2BF16", "affinePlanesAVX2BF16", "scaleBitsAVX2BF16", "dropoutPhiloxAVX2BF16", "affineBitsAVX2BF16",
		"scalePlanesAVX2F16", "scaleRowsAVX2F16", "affinePlanesAVX2F16", "scaleBitsAVX2F16", "dropoutPhiloxAVX2F16", "affineBitsAVX2F16",
		"keepPlanesAVX2", "philoxRawAVX2",
		"residualPlanesAVX2F32", "residualPlanesAVX2F64", "residualRowsAVX2F32", "residualRowsAVX2F64",
		"residualBitsAVX2F32", "residualBitsAVX2F64", "residualPhiloxAVX2F32", "residualPhiloxAVX2F64",
		"sumRowsAVX2F32", "sumRowsAVX2F64",
		"residualPlanesAVX2BF16", "residualRowsAVX2BF16", "residualBitsAVX2BF16", "residualPhiloxAVX2BF16", "sumRowsAVX2BF16",
		"residualPlanesAVX2F16", "residualRowsAVX2F16", "residualBitsAVX2F16", "residualPhiloxAVX2F16", "sumRowsAVX2F16",
	},
}

// avoFeatures maps the names avo gives some features in "Requires:" to
// cpuid's. avo calls the SSE-era MMX extensions (SFENCE, PREFETCHh) "MMX+",
// AMD's name; cpuid's MMXEXT is set from AMD's CPUID leaf only, while Intel
// documents those instructions as SSE, which every CPU with either has.
var avoFeatures = map[string]cpuid.FeatureID{"MMX+": cpuid.SSE}

// parseFeature is cpuid.ParseFeature after avoFeatures.
func parseFeature(f string) cpuid.FeatureID {
	if id, ok := avoFeatures[f]; ok {
		return id
	}
	return cpuid.ParseFeature(f)
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
				id := parseFeature(f)
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
		case k.f32.scalePlanes == nil || k.f64.scalePlanes == nil:
			t.Errorf("path %s has a nil kernel", name)
		case hasNT(fns) != (k.f32.scalePlanesNT != nil) || hasNT(fns) != (k.f64.scalePlanesNT != nil):
			t.Errorf("path %s: non-temporal kernels in dropout_amd64.s: %v, registered: %v, %v",
				name, hasNT(fns), k.f32.scalePlanesNT != nil, k.f64.scalePlanesNT != nil)
		case hasNT(fns) != (k.f32.scaleRowsNT != nil) || hasNT(fns) != (k.f64.scaleRowsNT != nil):
			t.Errorf("path %s: non-temporal kernels in dropout_amd64.s: %v, scale-rows registered: %v, %v",
				name, hasNT(fns), k.f32.scaleRowsNT != nil, k.f64.scaleRowsNT != nil)
		}
	}
}

// hasNT reports whether fns include non-temporal kernels.
func hasNT(fns []string) bool {
	return slices.ContainsFunc(fns, func(fn string) bool { return strings.Contains(fn, "NTF") })
}
