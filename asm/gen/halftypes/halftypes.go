// Package halftypes declares, for the generator, the element types of
// package dropout that the half kernels' signatures name.
//
// avo evaluates a signature in the scope of a loaded package (build.Package);
// loading package dropout itself would type-check the stubs the generator is
// about to rewrite, so a stale stub file could stop its own regeneration.
// These two declarations mirror dropout/half.go: the stubs name the types
// unqualified, so they compile only against dropout's types of the same
// names, and go vet's asmdecl check compares the frame offsets avo computed
// from these with dropout's.
package halftypes

// BFloat16 is dropout.BFloat16.
type BFloat16 uint16

// Float16 is dropout.Float16.
type Float16 uint16
