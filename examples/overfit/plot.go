package main

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var runColors = [2]color.RGBA{
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // no dropout: red
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // Dropout2d: blue
}

// writePlot draws, for each result (one row each), the test accuracy and the
// train−test accuracy gap per epoch: the mean over seeds as a line, the
// range over seeds as a band, both runs in one panel. It writes a PNG to path.
func writePlot(path string, results []*result) error {
	rows := make([][]*plot.Plot, len(results))
	for i, r := range results {
		acc, err := panel(r, fmt.Sprintf("setting %s (%s): test accuracy", r.s.name, r.s.short()), "test accuracy (%)",
			func(s stats) float64 { return s.testAcc })
		if err != nil {
			return err
		}
		gap, err := panel(r, fmt.Sprintf("setting %s: train − test accuracy (lines: mean, bands: min–max over %d seeds)", r.s.name, len(r.seeds)),
			"gap (points)", stats.gap)
		if err != nil {
			return err
		}
		acc.Legend.Top, acc.Legend.Left = false, false // accuracy rises: bottom right is free
		gap.Legend.Top, gap.Legend.Left = true, true   // the gap grows: top left is free
		rows[i] = []*plot.Plot{acc, gap}
	}

	const w, h = 11 * vg.Inch, 3.6 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h*vg.Length(len(results))), vgimg.UseDPI(110),
		vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{
		Rows: len(results), Cols: 2,
		PadX: vg.Points(24), PadY: vg.Points(18),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12),
	}
	canvases := plot.Align(rows, tiles, dc)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j].Draw(canvases[i][j])
		}
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panel plots f per epoch for both runs of r.
func panel(r *result, title, ylabel string, f func(stats) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	var lines [2]*plotter.Line
	for run := 0; run < 2; run++ {
		mean := make(plotter.XYs, r.s.epochs)
		band := make(plotter.XYs, 0, 2*r.s.epochs)
		var upper plotter.XYs
		for e := 0; e < r.s.epochs; e++ {
			m, _, lo, hi := meanSpread(r.column(run, e, f))
			x := float64(e + 1)
			mean[e] = plotter.XY{X: x, Y: m}
			band = append(band, plotter.XY{X: x, Y: lo})
			upper = append(upper, plotter.XY{X: x, Y: hi})
		}
		for i := len(upper) - 1; i >= 0; i-- {
			band = append(band, upper[i])
		}
		c := runColors[run]
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x38}
		poly.LineStyle.Width = 0
		line, err := plotter.NewLine(mean)
		if err != nil {
			return nil, err
		}
		line.Color = c
		line.Width = vg.Points(2)
		p.Add(poly)
		lines[run] = line
	}
	for run, line := range lines { // over both bands
		p.Add(line)
		p.Legend.Add(runName(r.s, run), line)
	}
	return p, nil
}

func runName(s setting, run int) string {
	if run == 0 {
		return runNames[0]
	}
	return fmt.Sprintf("%s p=%g/%g", runNames[1], s.p1, s.p2)
}
