package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdrop/simdrop/dropout"
)

// simdFeatures are the CPU features the kernel paths care about.
var simdFeatures = []cpuid.FeatureID{
	cpuid.SSE2, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.BMI1, cpuid.BMI2,
	cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512CD,
	cpuid.ASIMD,
}

func info(w io.Writer) {
	fmt.Fprintf(w, "cpu:      %s (%s/%s, %d logical cores)\n", cpuName(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	var have []string
	for _, f := range simdFeatures {
		if cpuid.CPU.Supports(f) {
			have = append(have, f.String())
		}
	}
	if len(have) == 0 {
		have = []string{"(none the kernels use)"}
	}
	fmt.Fprintf(w, "features: %s\n", strings.Join(have, " "))
	fmt.Fprintf(w, "kernels:  %s (fastest first)\n", strings.Join(dropout.Kernels(), ", "))
	fmt.Fprintf(w, "in use:   %s", dropout.Kernel())
	if v, ok := os.LookupEnv("SIMDROP_KERNEL"); ok {
		fmt.Fprintf(w, " (SIMDROP_KERNEL=%s)", v)
	}
	fmt.Fprintln(w)
}

func cpuName() string {
	if cpuid.CPU.BrandName != "" {
		return cpuid.CPU.BrandName
	}
	return "unknown CPU"
}
