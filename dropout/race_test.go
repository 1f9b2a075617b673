//go:build race

package dropout

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = true
