package dropout

import "testing"

// TestEveryPathHasEveryPrimitive fails if a path is registered with a
// primitive missing: a call would crash on the nil function, and the all-path
// tests would not cover that primitive there. The non-temporal variants are
// optional (nil means the path has none).
func TestEveryPathHasEveryPrimitive(t *testing.T) {
	for _, k := range registry {
		for name, missing := range map[string]bool{
			"scalePlanes":                k.f32.scalePlanes == nil || k.f64.scalePlanes == nil,
			"scaleRows":                  k.f32.scaleRows == nil || k.f64.scaleRows == nil,
			"affinePlanes":               k.f32.affinePlanes == nil || k.f64.affinePlanes == nil,
			"scaleBits":                  k.f32.scaleBits == nil || k.f64.scaleBits == nil,
			"dropoutPhilox":              k.f32.dropoutPhilox == nil || k.f64.dropoutPhilox == nil,
			"affineBits":                 k.f32.affineBits == nil || k.f64.affineBits == nil,
			"keepPlanes":                 k.keepPlanes == nil,
			"philoxRaw":                  k.philoxRaw == nil,
			"scalePlanesNT (half of it)": (k.f32.scalePlanesNT == nil) != (k.f64.scalePlanesNT == nil),
			"scaleRowsNT (half of it)":   (k.f32.scaleRowsNT == nil) != (k.f64.scaleRowsNT == nil),
		} {
			if missing {
				t.Errorf("path %q is registered without %s", k.name, name)
			}
		}
	}
}
