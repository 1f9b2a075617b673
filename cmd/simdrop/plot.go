package main

import (
	"fmt"
	"math"
	"strings"
)

// plotSVG draws effective throughput (GB/s) against tensor size, one line per
// implementation, as a self-contained SVG (no plotting dependency).
func plotSVG(rows []benchRow, cfg benchConfig) string {
	const W, H, left, right, top, bottom = 860, 520, 70, 170, 40, 60
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	minB, maxB, maxG := math.Inf(1), 0.0, 0.0
	series := map[string][][2]float64{}
	var order []string
	for _, r := range rows {
		b := float64(r.bytes)
		minB, maxB = math.Min(minB, b), math.Max(maxB, b)
		for i, n := range r.names {
			g := 2 * b / r.median[i].Seconds() / 1e9
			maxG = math.Max(maxG, g)
			if _, ok := series[n]; !ok {
				order = append(order, n)
			}
			series[n] = append(series[n], [2]float64{b, g})
		}
	}
	lx0, lx1 := math.Floor(math.Log2(minB)), math.Ceil(math.Log2(maxB))
	if lx1 <= lx0 {
		lx1 = lx0 + 1
	}
	ymax := math.Ceil(maxG/20) * 20
	x := func(b float64) float64 { return left + (math.Log2(b)-lx0)/(lx1-lx0)*pw }
	y := func(g float64) float64 { return top + ph - g/ymax*ph }

	colors := []string{"#888888", "#bbbbbb", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H)
	fmt.Fprintf(&s, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(&s, `<text x="%d" y="22" font-size="15">%s float32, p = %v, %d goroutine(s): throughput vs tensor size</text>`+"\n", left, opTitle(cfg.op), cfg.p, cfg.threads)
	for e := lx0; e <= lx1; e++ {
		px := x(math.Exp2(e))
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", px, top, px, top+ph)
		if int(e)%2 == 0 {
			fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px, top+ph+18, byteString(int(math.Exp2(e))))
		}
	}
	for g := 0.0; g <= ymax; g += ymax / 5 {
		py := y(g)
		fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", left, py, left+pw, py)
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" text-anchor="end">%.0f</text>`+"\n", left-6, py+4, g)
	}
	fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#333"/>`+"\n", left, top, pw, ph)
	fmt.Fprintf(&s, `<text x="%.0f" y="%d" text-anchor="middle">tensor size (float32 bytes)</text>`+"\n", left+pw/2, H-14)
	fmt.Fprintf(&s, `<text transform="translate(18,%.0f) rotate(-90)" text-anchor="middle">effective GB/s (2 × bytes / time)</text>`+"\n", top+ph/2)
	for i, n := range order {
		c := colors[i%len(colors)]
		var pts []string
		for _, p := range series[n] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p[0]), y(p[1])))
		}
		fmt.Fprintf(&s, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", c, strings.Join(pts, " "))
		for _, p := range series[n] {
			fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", x(p[0]), y(p[1]), c)
		}
		ly := top + 10 + i*20
		fmt.Fprintf(&s, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", left+pw+14, ly, left+pw+38, ly, c)
		fmt.Fprintf(&s, `<text x="%.0f" y="%d">%s</text>`+"\n", left+pw+44, ly+4, n)
	}
	s.WriteString("</svg>\n")
	return s.String()
}
