package dropout

import "testing"

// TestEveryPathHasEveryPrimitive fails if a path is registered with a
// primitive missing: a call would crash on the nil function, and the all-path
// tests would not cover that primitive there. The non-temporal variants are
// optional (nil means the path has none).
func TestEveryPathHasEveryPrimitive(t *testing.T) {
	for _, k := range registry {
		for name, missing := range map[string]bool{
			"scalePlanes":                k.scalePlanes32 == nil || k.scalePlanes64 == nil,
			"scaleRows":                  k.scaleRows32 == nil || k.scaleRows64 == nil,
			"affinePlanes":               k.affinePlanes32 == nil || k.affinePlanes64 == nil,
			"scaleBits":                  k.scaleBits32 == nil || k.scaleBits64 == nil,
			"dropoutPhilox":              k.dropoutPhilox32 == nil || k.dropoutPhilox64 == nil,
			"affineBits":                 k.affineBits32 == nil || k.affineBits64 == nil,
			"keepPlanes":                 k.keepPlanes == nil,
			"philoxRaw":                  k.philoxRaw == nil,
			"scalePlanesNT (half of it)": (k.scalePlanesNT32 == nil) != (k.scalePlanesNT64 == nil),
			"scaleRowsNT (half of it)":   (k.scaleRowsNT32 == nil) != (k.scaleRowsNT64 == nil),
		} {
			if missing {
				t.Errorf("path %q is registered without %s", k.name, name)
			}
		}
	}
}
