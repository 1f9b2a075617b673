package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The bit-plane stream (dropout/philox.go): group g of 64 features owns the
// blocks start+16g ... start+16g+15, block k giving planes 2k (w0 | w1<<32)
// and 2k+1 (w2 | w3<<32). The kernels decide a batch of groups in lockstep,
// one group per 64-bit vector lane: step k computes block k of every group
// of the batch with the same Philox rounds, so the two planes of a step are
// 64-bit lanes as they come, and decides the lanes those planes settle. The
// batch stops at the first step after which no lane of any of its groups is
// open, or after 16 steps.

// batchGroups is the number of groups a batch of isa decides in lockstep:
// two sets of 64-bit lanes, so the multiplies of one set hide the latency of
// the other's.
func batchGroups(isa vecISA) int { return 2 * isa.width / 8 }

// planeFrame is the stack of a bit-plane kernel: the round keys, the plane
// thresholds and (fused kernels) the keep words of a batch.
type planeFrame struct {
	keys, thr, buf Mem
	state          Mem // AVX2: counters, open and drop words of the two sets
	survivors      Mem // the second pass's list: 32 (AVX2: 16) entries of 4 words
	ring           Mem // fused: the keep words of two chunks
}

// chunkGroups is the number of groups the fused kernels decide (in two
// passes) before applying them, past one chunk of elements: a multiple of
// both batch sizes, and a power of two, as the ring of two chunks wraps by
// a mask.
const chunkGroups = 64

// noSplit is what the bit-plane kernels have instead of NOSPLIT: their
// frames, with the second pass's list and the ring of keep words, are too
// large for it, so the assembler gives them the stack check.
const noSplit = 0

func allocPlaneFrame(isa vecISA) planeFrame {
	var f planeFrame
	f.keys = AllocLocal(80)
	f.thr = AllocLocal(8 * 32)
	f.buf = AllocLocal(8 * batchGroups(isa))
	f.ring = AllocLocal(2 * 8 * chunkGroups)
	f.survivors = AllocLocal(4 * 2 * batchGroups(isa) * 8)
	if isa.width == 32 {
		f.state = AllocLocal(3 * 2 * 32)
	}
	return f
}

// planeSetup loads the seed and threshold arguments into the frame: the ten
// round keys, and thr[j] = all ones if bit 31-j of t is set, else 0, the
// T of plane j.
func planeSetup(f planeFrame, prefix string) {
	seed := GP64()
	Load(Param("seed"), seed)
	philoxKeys(seed, f.keys)
	Comment("Plane thresholds: thr[j] = -(t>>(31-j) & 1) for j = 0..31.")
	tx, p, y, j := GP64(), GP64(), GP64(), GP32()
	MOVL(paramAddr("t"), tx.As32())
	SHLQ(U8(32), tx)
	LEAQ(f.thr, p)
	MOVL(U32(32), j)
	Label(prefix + "thr")
	MOVQ(tx, y)
	SARQ(U8(63), y)
	MOVQ(y, Mem{Base: p})
	ADDQ(U8(8), p)
	SHLQ(U8(1), tx)
	DECL(j)
	JNZ(LabelRef(prefix + "thr"))
}

// planeConsts are the registers a batch decision reads.
type planeConsts struct {
	m0, m1 Op         // the Philox multipliers (AVX2: in memory)
	odd    Op         // AVX-512: opmask of the odd dwords
	ones   VecVirtual // all ones in every lane
	f      planeFrame
}

func planeConstsFor(isa vecISA, f planeFrame) planeConsts {
	c := planeConsts{f: f}
	minus1 := GP64()
	MOVQ(I32(-1), minus1)
	if isa.width == 64 {
		m0, m1 := ZMM(), ZMM()
		VBROADCASTI64X4(philoxMul[0], m0)
		VBROADCASTI64X4(philoxMul[1], m1)
		c.m0, c.m1 = m0, m1
		k, r := K(), GP32()
		MOVL(U32(0xAAAA), r)
		KMOVW(r, k)
		c.odd = k
		c.ones = ZMM()
		VPBROADCASTQ(minus1, c.ones)
	} else {
		c.m0, c.m1 = philoxMul[0], philoxMul[1]
		x := XMM()
		VMOVQ(minus1, x)
		c.ones = YMM()
		VPBROADCASTQ(x, c.ones)
	}
	return c
}

// decideBatch emits the lockstep decision of the batch of groups whose first
// block is base (the groups' blocks are base+16i+k): ng (nil for a whole
// batch) is the number of groups wanted, 1..batchGroups; the others start
// decided and do not hold the batch back. It returns the keep words of the
// groups, group i in lane i of the two sets; base is not changed.
func decideBatch(isa vecISA, c planeConsts, base, ng Register, prefix string) [2]VecVirtual {
	if isa.width == 64 {
		return decideBatchAVX512(c, base, ng, prefix)
	}
	return decideBatchAVX2(c, base, ng, prefix)
}

func decideBatchAVX512(c planeConsts, base, ng Register, prefix string) [2]VecVirtual {
	Comment("Batch of 16 groups: group i in lane i of set a (i < 8) or lane i-8 of set b.")
	var ctr, open, drop [2]VecVirtual
	for s := range 2 {
		ctr[s], open[s], drop[s] = ZMM(), ZMM(), ZMM()
	}
	VPBROADCASTQ(base, ctr[0])
	VPADDQ(groupStride.Offset(64), ctr[0], ctr[1])
	VPADDQ(groupStride, ctr[0], ctr[0])
	if ng == nil {
		VMOVDQA64(c.ones, open[0])
		VMOVDQA64(c.ones, open[1])
	} else {
		Comment("Only groups < ng open.")
		r := GP64()
		MOVQ(I32(-1), r)
		BZHIQ(ng, r, r)
		k, kb := K(), K()
		KMOVW(r.As32(), k)
		KSHIFTRW(U8(8), k, kb)
		VMOVDQA64_Z(c.ones, k, open[0])
		VMOVDQA64_Z(c.ones, kb, open[1])
	}
	VPXORQ(drop[0], drop[0], drop[0])
	VPXORQ(drop[1], drop[1], drop[1])
	tp, end := GP64(), GP64()
	LEAQ(c.f.thr, tp)
	LEAQ(c.f.thr.Offset(8*32), end)
	stepsAVX512(c, ctr, open, drop, tp, end, prefix)
	Comment("keep = ^drop.")
	VPTERNLOGQ(U8(0x0F), drop[0], drop[0], drop[0])
	VPTERNLOGQ(U8(0x0F), drop[1], drop[1], drop[1])
	return drop
}

// stepsAVX512 emits the lockstep loop over the blocks of two sets of groups:
// counters ctr (advanced a block a step), open and drop words; tp points at
// the thresholds of the first step's planes (advanced 16 bytes a step), and
// the loop ends when tp reaches end or no lane is open.
func stepsAVX512(c planeConsts, ctr, open, drop [2]VecVirtual, tp, end Register, prefix string) {
	Label(prefix + "step")
	Comment("Block k of every group of the batch.")
	sets := make([]*philoxState, 2)
	for s := range 2 {
		st := &philoxState{ctr[s], ZMM(), nil, nil}
		VPSHUFD(U8(0xF5), ctr[s], st[1]) // hi32 of the counter
		sets[s] = st
	}
	philoxRounds(avx512, sets, c.m0, c.m1, c.f.keys, xorKeyAVX512)
	Comment("Planes 2k = w0 | w1<<32 and 2k+1 = w2 | w3<<32, decided against T.")
	for s, st := range sets {
		for h := range 2 {
			pl := st[2*h]
			VPSHUFD(U8(0xA0), st[2*h+1], c.odd, pl) // merge: odd dwords from w[2h+1]'s even ones
			T := Mem{Base: tp, Disp: 8 * h}
			VPTERNLOGQ_BCST(U8(0x48), T, open[s], pl) // d = open & (P ^ T)
			VPTERNLOGQ_BCST(U8(0xF8), T, pl, drop[s]) // drop |= d & T
			VPANDNQ(open[s], pl, open[s])             // open &^= d
		}
		VPADDQ_BCST(qwordOne, ctr[s], ctr[s])
	}
	ADDQ(U8(16), tp)
	Comment("Stop when no lane is open, or at the last step.")
	ka, kb := K(), K()
	VPTESTMQ(open[0], open[0], ka)
	VPTESTMQ(open[1], open[1], kb)
	KORTESTW(ka, kb)
	JZ(LabelRef(prefix + "decided"))
	CMPQ(tp, end)
	JB(LabelRef(prefix + "step"))
	Label(prefix + "decided")
}

// firstPassSteps and firstPassStepsAVX2 are the number of lockstep steps
// the first pass of decideGroupsAVX512 and decideGroupsAVX2 gives a batch
// before it sets the open groups aside. Four is best on both (measured
// against 3, 5 and 6): a group is open after four blocks with probability
// 1-(1-2⁻⁸)⁶⁴ = 0.22, after three 0.63, after five 0.06.
const (
	firstPassSteps     = 4
	firstPassStepsAVX2 = 4
)

// decideGroupsAVX512 emits the keep words of ng groups (1 or more; ng is
// consumed) from block base (advanced past them) into out[0:ng] (out is not
// changed), in two passes. The first decides 16 groups at a time in
// lockstep for at most firstPassSteps steps and stores their keep words;
// the lanes of the groups still open are compressed (VPCOMPRESSQ) into a
// list of counters, open and drop words and group numbers. Whenever the
// list holds 16 groups, and at the end for what is left, the second pass
// runs them in lockstep from that step on, with its own stop test, and
// scatters their keep words over the first pass's. A batch waits for its
// slowest group only for firstPassSteps steps; after that, for the slowest
// of 16 open groups.
//
// hook, if not nil, is emitted after each first-pass batch: the fused
// kernels apply words of the previous chunk there, so that the loads and
// stores of dst and src overlap the Philox rounds.
func decideGroupsAVX512(c planeConsts, out, base, ng Register, prefix string, hook func()) {
	sv := c.f.survivors
	ctrL, openL, dropL, idxL := sv, sv.Offset(256), sv.Offset(512), sv.Offset(768)
	cnt, gi := GP64(), GP64()
	XORQ(cnt, cnt)
	XORQ(gi, gi)
	JMP(LabelRef(prefix + "check"))

	Label(prefix + "batch")
	Comment("First pass: a batch of min(ng, 16) groups, at most firstPassSteps steps.")
	nb, r := GP64(), GP64()
	MOVQ(U32(16), nb)
	CMPQ(ng, nb)
	CMOVQCS(ng, nb)
	MOVQ(I32(-1), r)
	BZHIQ(nb, r, r)
	kv, kvb := K(), K()
	KMOVW(r.As32(), kv)
	KSHIFTRW(U8(8), kv, kvb)
	var ctr, open, drop [2]VecVirtual
	for s := range 2 {
		ctr[s], open[s], drop[s] = ZMM(), ZMM(), ZMM()
	}
	VPBROADCASTQ(base, ctr[0])
	VPADDQ(groupStride.Offset(64), ctr[0], ctr[1])
	VPADDQ(groupStride, ctr[0], ctr[0])
	VMOVDQA64_Z(c.ones, kv, open[0])
	VMOVDQA64_Z(c.ones, kvb, open[1])
	VPXORQ(drop[0], drop[0], drop[0])
	VPXORQ(drop[1], drop[1], drop[1])
	tp, end := GP64(), GP64()
	LEAQ(c.f.thr, tp)
	LEAQ(c.f.thr.Offset(16*firstPassSteps), end)
	stepsAVX512(c, ctr, open, drop, tp, end, prefix+"first")
	Comment("keep = ^drop, final for the groups decided.")
	keep := [2]VecVirtual{ZMM(), ZMM()}
	for s, k := range []Op{kv, kvb} {
		VPTERNLOGQ(U8(0x33), drop[s], drop[s], keep[s]) // keep = ^B
		VMOVDQU64(keep[s], k, Mem{Base: out, Index: gi, Scale: 8, Disp: 64 * s})
	}
	Comment("Set the open groups aside: counters, open and drop words, group numbers.")
	idx := ZMM()
	VPBROADCASTQ(gi, idx)
	for s := range 2 {
		ko := K()
		VPTESTMQ(open[s], open[s], ko)
		gv := ZMM()
		VPADDQ(iotaQ.Offset(64*s), idx, gv)
		for i, v := range []VecVirtual{ctr[s], open[s], drop[s], gv} {
			// Compressed in a register, then stored whole: the list has
			// room for 8 words past any cnt < 24, and VPCOMPRESSQ to
			// memory is slow.
			VPCOMPRESSQ_Z(v, ko, v)
			VMOVDQU64(v, sv.Offset(256*i).Idx(cnt, 8))
		}
		pc := GP32()
		KMOVW(ko, pc)
		POPCNTL(pc, pc)
		ADDQ(pc.As64(), cnt)
	}
	nextBatch(prefix, nb, gi, ng, base, cnt, 16, hook)

	Label(prefix + "second")
	Comment("Second pass: min(cnt, 16) open groups from the list, from step firstPassSteps on.")
	m := GP64()
	MOVQ(U32(16), m)
	CMPQ(cnt, m)
	CMOVQCS(cnt, m)
	MOVQ(I32(-1), r)
	BZHIQ(m, r, r)
	KMOVW(r.As32(), kv)
	KSHIFTRW(U8(8), kv, kvb)
	var gidx [2]VecVirtual
	for s, k := range []Op{kv, kvb} {
		ctr[s], open[s], drop[s], gidx[s] = ZMM(), ZMM(), ZMM(), ZMM()
		VMOVDQU64(ctrL.Offset(64*s), ctr[s])
		VMOVDQU64_Z(openL.Offset(64*s), k, open[s])
		VMOVDQU64(dropL.Offset(64*s), drop[s])
		VMOVDQU64(idxL.Offset(64*s), gidx[s])
	}
	LEAQ(c.f.thr.Offset(16*firstPassSteps), tp)
	LEAQ(c.f.thr.Offset(8*32), end)
	stepsAVX512(c, ctr, open, drop, tp, end, prefix+"second")
	Comment("Scatter their keep words; move the rest of the list to its front.")
	for s, k := range []Op{kv, kvb} {
		VPTERNLOGQ(U8(0x0F), drop[s], drop[s], drop[s])
		ks := K()
		KMOVW(k, ks) // the scatter clears its mask
		VPSCATTERQQ(drop[s], ks, Mem{Base: out, Index: gidx[s], Scale: 8})
	}
	for _, l := range []Mem{ctrL, openL, dropL, idxL} {
		for s := range 2 {
			v := ZMM()
			VMOVDQU64(l.Offset(128+64*s), v)
			VMOVDQU64(v, l.Offset(64*s))
		}
	}
	SUBQ(m, cnt)
	JMP(LabelRef(prefix + "check"))
	Label(prefix + "done")
}

// xorKeyAVX512 is philoxRounds' key step with VPTERNLOGD and a broadcast
// round key.
func xorKeyAVX512(h, c VecVirtual, key Mem, r, w int) VecVirtual {
	switch {
	case h != nil && c != nil:
		VPTERNLOGD_BCST(U8(0x96), key, c, h) // h ^= c ^ key
		return h
	case h != nil:
		VPXORD_BCST(key, h, h)
		return h
	default: // round 1: hi(M1·0) = 0
		VPXORD_BCST(key, c, c)
		return c
	}
}

// xorKeyAVX2 returns philoxRounds' key step for AVX2: the two round keys
// of a round broadcast once, at its first use, and shared by every set.
func xorKeyAVX2() func(h, c VecVirtual, key Mem, r, w int) VecVirtual {
	var kv [2]VecVirtual
	kr := -1
	return func(h, cw VecVirtual, key Mem, r, w int) VecVirtual {
		if kr != r { // the keys of a round, shared by every set
			kr = r
			kv = [2]VecVirtual{YMM(), YMM()}
			VPBROADCASTD(key.Offset(-4*w), kv[0])
			VPBROADCASTD(key.Offset(4-4*w), kv[1])
		}
		switch {
		case h != nil && cw != nil:
			// The key into c first: c is ready before h, whose product
			// and shuffle are the round's critical path.
			VPXOR(kv[w], cw, cw)
			VPXOR(cw, h, h)
			return h
		case h != nil:
			VPXOR(kv[w], h, h)
			return h
		default:
			VPXOR(kv[w], cw, cw)
			return cw
		}
	}
}

// decideBatchAVX2 keeps the counters, open and drop words of its two sets
// on the stack between steps: the sixteen YMM registers hold the Philox
// state of both sets and little else.
func decideBatchAVX2(c planeConsts, base, ng Register, prefix string) [2]VecVirtual {
	Comment("Batch of 8 groups: group i in lane i of set a (i < 4) or lane i-4 of set b.")
	ctrM := func(s int) Mem { return c.f.state.Offset(32 * s) }
	openM := func(s int) Mem { return c.f.state.Offset(64 + 32*s) }
	dropM := func(s int) Mem { return c.f.state.Offset(128 + 32*s) }
	{
		x := XMM()
		VMOVQ(base, x)
		bv := YMM()
		VPBROADCASTQ(x, bv)
		zero := YMM()
		VPXOR(zero, zero, zero)
		var nv VecVirtual
		if ng != nil {
			Comment("Only groups < ng open.")
			x := XMM()
			VMOVQ(ng, x)
			nv = YMM()
			VPBROADCASTQ(x, nv)
		}
		for s := range 2 {
			v := YMM()
			VPADDQ(groupStride.Offset(32*s), bv, v)
			VMOVDQU(v, ctrM(s))
			if ng == nil {
				VMOVDQU(c.ones, openM(s))
			} else {
				o := YMM()
				VPCMPGTQ(iotaQ.Offset(32*s), nv, o) // ng > group
				VMOVDQU(o, openM(s))
			}
			VMOVDQU(zero, dropM(s))
		}
	}
	tp, end := GP64(), GP64()
	LEAQ(c.f.thr, tp)
	LEAQ(c.f.thr.Offset(8*32), end)
	stepsAVX2(c, tp, end, prefix)
	Comment("keep = ^drop.")
	var keep [2]VecVirtual
	for s := range 2 {
		keep[s] = YMM()
		VPXOR(dropM(s), c.ones, keep[s])
	}
	return keep
}

// The AVX2 state on the stack: counters, open and drop words of set s.
func ctrM(c planeConsts, s int) Mem  { return c.f.state.Offset(32 * s) }
func openM(c planeConsts, s int) Mem { return c.f.state.Offset(64 + 32*s) }
func dropM(c planeConsts, s int) Mem { return c.f.state.Offset(128 + 32*s) }

// stepsAVX2 is stepsAVX512 for AVX2, with the state of the two sets on the
// stack.
func stepsAVX2(c planeConsts, tp, end Register, prefix string) {
	ctrM := func(s int) Mem { return ctrM(c, s) }
	openM := func(s int) Mem { return openM(c, s) }
	dropM := func(s int) Mem { return dropM(c, s) }
	Label(prefix + "step")
	Comment("Block k of every group of the batch.")
	sets := make([]*philoxState, 2)
	for s := range 2 {
		st := &philoxState{YMM(), YMM(), nil, nil}
		VMOVDQU(ctrM(s), st[0])
		VPSRLQ(U8(32), st[0], st[1])
		next := YMM()
		VPADDQ(qwordOne, st[0], next)
		VMOVDQU(next, ctrM(s))
		sets[s] = st
	}
	philoxRounds(avx2, sets, c.m0, c.m1, c.f.keys, xorKeyAVX2())
	Comment("Planes 2k = w0 | w1<<32 and 2k+1 = w2 | w3<<32, decided against T.")
	var open [2]VecVirtual
	for s, st := range sets {
		open[s] = YMM()
		drop := YMM()
		VMOVDQU(openM(s), open[s])
		VMOVDQU(dropM(s), drop)
		for h := range 2 {
			pl, T := YMM(), YMM()
			VPSLLQ(U8(32), st[2*h+1], pl)
			VPBLENDD(U8(0x55), st[2*h], pl, pl) // even dwords from w[2h]
			VPBROADCASTQ(Mem{Base: tp, Disp: 8 * h}, T)
			VPXOR(T, pl, pl)
			VPAND(open[s], pl, pl)       // d = open & (P ^ T)
			VPANDN(open[s], pl, open[s]) // open &^= d
			VPAND(T, pl, pl)
			VPOR(pl, drop, drop) // drop |= d & T
		}
		VMOVDQU(open[s], openM(s))
		VMOVDQU(drop, dropM(s))
	}
	ADDQ(U8(16), tp)
	Comment("Stop when no lane is open, or at the last step.")
	anyOpen := YMM()
	VPOR(open[0], open[1], anyOpen)
	VPTEST(anyOpen, anyOpen)
	JZ(LabelRef(prefix + "decided"))
	CMPQ(tp, end)
	JB(LabelRef(prefix + "step"))
	Label(prefix + "decided")
}

// keepPlanes builds keepPlanes<isa>, the mask kernel under keepBits: the
// keep word of every group of bits, batchGroups groups at a time.
func keepPlanes(isa vecISA) {
	name := "keepPlanes" + isa.name
	ng := batchGroups(isa)
	TEXT(name, noSplit, "func(bits []uint64, seed, start uint64, t uint32)")
	Pragma("noescape")
	Doc(append([]string{
		fmt.Sprintf("%s is fillKeep's loop of decideGroup over the groups of bits,", name),
		fmt.Sprintf("with %d groups decided in lockstep; it is equivalent to", ng),
		"",
		"\tk0, k1 := uint32(seed), uint32(seed>>32)",
		"\tfor g := range bits {",
		"\t\tbits[g] = decideGroup(k0, k1, start+16*uint64(g), t, ^uint64(0))",
		"\t}",
		"",
		"len(bits) >= 1. Every word is written whole; nothing past the end of",
		"bits is written.",
		"",
	}, planeDoc(isa, "batch")...)...)
	f := allocPlaneFrame(isa)
	bp := Load(Param("bits").Base(), GP64())
	nw := Load(Param("bits").Len(), GP64())
	planeSetup(f, "")
	c := planeConstsFor(isa, f)
	base := Load(Param("start"), GP64())
	vecBytes := isa.width

	Comment("More than one batch: the two-pass decision.")
	CMPQ(nw, U8(ng))
	JBE(LabelRef("tail"))
	decideGroups(isa, c, bp, base, nw, "g", nil)
	VZEROUPPER()
	RET()

	Label("tail")
	TESTQ(nw, nw)
	JZ(LabelRef("done"))
	Comment("One batch: 1..batchGroups groups, in one pass.")
	keep := decideBatch(isa, c, base, nw, "tail")
	if isa.width == 64 {
		r := GP64()
		MOVQ(I32(-1), r)
		BZHIQ(nw, r, r)
		k, kb := K(), K()
		KMOVW(r.As32(), k)
		KSHIFTRW(U8(8), k, kb)
		VMOVDQU64(keep[0], k, Mem{Base: bp})
		VMOVDQU64(keep[1], kb, Mem{Base: bp, Disp: vecBytes})
	} else {
		VMOVDQU(keep[0], f.buf)
		VMOVDQU(keep[1], f.buf.Offset(vecBytes))
		p, w := GP64(), GP64()
		LEAQ(f.buf, p)
		Label("tailword")
		MOVQ(Mem{Base: p}, w)
		MOVQ(w, Mem{Base: bp})
		ADDQ(U8(8), p)
		ADDQ(U8(8), bp)
		DECQ(nw)
		JNZ(LabelRef("tailword"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// planeDoc describes the lockstep decision of isa's bit-plane kernels.
func planeDoc(isa vecISA, from string) []string {
	ng := batchGroups(isa)
	avg := map[int]string{16: "4.7 blocks a group rather than 5.9", 8: "4.6 blocks a group rather than 5.4"}[ng]
	return []string{
		fmt.Sprintf("%d groups a batch, one per 64-bit lane of two registers: step k", ng),
		fmt.Sprintf("runs the Philox rounds on block k of the %d groups at once (counters", ng),
		"start+16g+k, 64-bit lane adds that carry and wrap as uint64 does), so",
		"planes 2k and 2k+1 are lanes as they come (the low dword of w[2h] and",
		"of w[2h+1] merged); each plane decides the open lanes whose bit",
		"differs from t's. A batch alone stops after the first step that",
		"leaves no lane of its groups open, or after step 15.",
		"",
		fmt.Sprintf("Past one %s, two passes: the first gives each batch %d steps, keeps", from, passSteps(isa)),
		"the keep words of the groups decided and sets the open groups aside",
		"(counters, open and drop words, group numbers); the second runs them",
		fmt.Sprintf("%d at a time in lockstep from there and stores their words. A", ng),
		"batch thus waits for its slowest group only that long, not up to 16",
		"steps: on average " + avg + ".",
	}
}

// passSteps is firstPassSteps or firstPassStepsAVX2.
func passSteps(isa vecISA) int {
	if isa.width == 64 {
		return firstPassSteps
	}
	return firstPassStepsAVX2
}

// philoxDoc is the doc comment of the fused kernel name.
func philoxDoc(name string, e elemType, lanes int, isa vecISA) []string {
	ng := batchGroups(isa)
	return append([]string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("dropoutPhilox"), lanes, isa.name),
		"equivalent to",
		"",
		"\tk0, k1 := uint32(seed), uint32(seed>>32)",
		"\tfor i := 0; i < len(dst); i += 64 {",
		"\t\tn := min(64, len(dst)-i)",
		"\t\tw := decideGroup(k0, k1, start+16*uint64(i/64), t, ^uint64(0))",
		"\t\tw &= 1<<n - 1 // n == 64 keeps every bit",
		"\t\tif bits != nil {",
		"\t\t\tbits[i/64] = w",
		"\t\t}",
		"\t\tfor j := 0; j < n; j++ {",
		"\t\t\tif w>>j&1 == 1 {",
		"\t\t\t\tdst[i+j] = " + e.result("src[i+j]", func(x string) string { return x + " * s" }),
		"\t\t\t} else {",
		"\t\t\t\tdst[i+j] = 0 // whatever src[i+j] holds",
		"\t\t\t}",
		"\t\t}",
		"\t}",
		"",
		fmt.Sprintf("Up to %d elements, a batch of %d groups (%d elements) is decided,", 64*chunkGroups, ng, 64*ng),
		"its keep words kept on the stack, then applied a word at a time.",
		fmt.Sprintf("Past that, chunks of %d groups are decided in two passes into a ring", chunkGroups),
		"of two chunks on the stack, while the words of the previous chunk are",
		"applied, a batch's worth after each first-pass batch, so that the",
		"loads and stores overlap the rounds. Only the groups the elements",
		"reach are decided and the last word is masked, so nothing past the",
		"end of dst, src or bits is touched.",
		"",
	}, planeDoc(isa, "chunk")...)
}

// dropoutPhilox builds dropoutPhilox<isa><elem>, the fused elementwise
// dropout primitive of kernelSet, on decideBatch and the word-apply code of
// scaleBits.
func dropoutPhilox(isa vecISA, e elemType) {
	name := "dropoutPhilox" + isa.name + e.suffix
	lanes := e.lanes(isa)
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src []%s, bits []uint64, seed, start uint64, t uint32, s %s)", e.goType, e.scalar))
	Pragma("noescape")
	Doc(append(append(philoxDoc(name, e, lanes, isa),
		"",
		"The multiply is one IEEE rounding, as in Go; dropped lanes are zeroed",
		"by a mask, not multiplied, so NaN or Inf there gives +0.",
	), e.roundedDoc()...)...)
	f := allocPlaneFrame(isa)
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	planeSetup(f, "")
	c := planeConstsFor(isa, f)
	base := Load(Param("start"), GP64())
	s := broadcastParam(isa, e, "s")
	apply := applyWordAVX512
	if isa.width == 32 {
		apply = applyWordAVX2
	}
	fusedPhilox(isa, f, c, fusedApply{
		e:    e,
		ptrs: []Register{dp, sp},
		apply: func(p []Register, m GPVirtual, n Register, _ string) {
			apply(e, p[0], p[1], s, nil, m, n)
		},
	}, bp, n, base)
}

// fusedApply is what a fused bit-plane kernel does with its keep words:
// the element pointers it walks, dst and src first, each advanced past 64
// elements a word, and apply, which emits the work of keep word m
// (consumed) on the elements at p (the pointers' current registers, in the
// order of ptrs), the first n only (nil: all 64). prefix is unique to the
// place apply is emitted at, for its labels.
type fusedApply struct {
	e     elemType
	ptrs  []Register
	apply func(p []Register, m GPVirtual, n Register, prefix string)
}

// fusedPhilox emits the body of a fused bit-plane kernel after its
// prologue: the decision of the groups of n elements (n >= 1) from block
// base, batch by batch or past one chunk in two passes (fusedPhiloxChunks),
// each keep word stored at bp (unless nil) and applied with a.
func fusedPhilox(isa vecISA, f planeFrame, c planeConsts, a fusedApply, bp, n, base Register) {
	e, ng := a.e, batchGroups(isa)
	stash := func(keep [2]VecVirtual) {
		if isa.width == 64 {
			VMOVDQU64(keep[0], f.buf)
			VMOVDQU64(keep[1], f.buf.Offset(isa.width))
		} else {
			VMOVDQU(keep[0], f.buf)
			VMOVDQU(keep[1], f.buf.Offset(isa.width))
		}
	}
	advance := func() {
		for i := len(a.ptrs) - 1; i >= 0; i-- {
			ADDQ(U32(64*e.size), a.ptrs[i])
		}
	}

	Comment("More than one chunk: the two-pass decision, overlapped with the apply.")
	CMPQ(n, U32(64*chunkGroups))
	JA(LabelRef("chunks"))
	CMPQ(n, U32(64*ng))
	JB(LabelRef("tail"))
	Label("loop")
	stash(decideBatch(isa, c, base, nil, ""))
	ADDQ(U32(16*ng), base)
	Comment("Apply the batch's keep words.")
	i := GP64()
	XORQ(i, i)
	Label("word")
	m := GP64()
	MOVQ(f.buf.Idx(i, 8), m)
	storeBits(bp, m, "stored")
	a.apply(a.ptrs, m, nil, "word")
	advance()
	INCQ(i)
	CMPQ(i, U8(ng))
	JB(LabelRef("word"))
	SUBQ(U32(64*ng), n)
	CMPQ(n, U32(64*ng))
	JAE(LabelRef("loop"))

	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Comment("The last 1..batch-1 elements: ceil(n/64) groups, the last word cut at n.")
	g := GP64()
	LEAQ(Mem{Base: n, Disp: 63}, g)
	SHRQ(U8(6), g)
	stash(decideBatch(isa, c, base, g, "tail"))
	XORQ(i, i)
	Label("tailword")
	m = GP64()
	MOVQ(f.buf.Idx(i, 8), m)
	CMPQ(n, U8(64))
	JBE(LabelRef("last"))
	storeBits(bp, m, "tailstored")
	a.apply(a.ptrs, m, nil, "tailword")
	advance()
	INCQ(i)
	SUBQ(U8(64), n)
	JMP(LabelRef("tailword"))
	Label("last")
	cutWord(isa, m, n)
	storeBits(bp, m, "laststored")
	a.apply(a.ptrs, m, n, "last")

	Label("done")
	VZEROUPPER()
	RET()

	Label("chunks")
	fusedPhiloxChunks(isa, f, c, a, bp, n, base)
}

// decideGroups emits the two-pass decision of ng groups (1 or more; ng is
// consumed) from block base (advanced past them) into out[0:ng]: see
// decideGroupsAVX512. hook, if not nil, is emitted after each first-pass
// batch.
func decideGroups(isa vecISA, c planeConsts, out, base, ng Register, prefix string, hook func()) {
	if isa.width == 64 {
		decideGroupsAVX512(c, out, base, ng, prefix, hook)
	} else {
		decideGroupsAVX2(c, out, base, ng, prefix, hook)
	}
}

// decideGroupsAVX2 is decideGroupsAVX512 for AVX2: batches of 8 groups,
// whose state is on the stack already; the open groups are copied to the
// list a word at a time (BSF over the lanes whose open word is not zero),
// and the second pass's keep words stored back the same way.
func decideGroupsAVX2(c planeConsts, out, base, ng Register, prefix string, hook func()) {
	const lanes = 8
	sv := c.f.survivors
	ctrL, openL, dropL, idxL := sv, sv.Offset(8*2*lanes), sv.Offset(2*8*2*lanes), sv.Offset(3*8*2*lanes)
	cnt, gi := GP64(), GP64()
	XORQ(cnt, cnt)
	XORQ(gi, gi)
	JMP(LabelRef(prefix + "check"))

	Label(prefix + "batch")
	Comment("First pass: a batch of min(ng, 8) groups, at most firstPassSteps steps.")
	nb := GP64()
	MOVQ(U32(lanes), nb)
	CMPQ(ng, nb)
	CMOVQCS(ng, nb)
	// validLanes returns the lane masks of the groups < nb of the batch.
	validLanes := func() [2]VecVirtual {
		x := XMM()
		VMOVQ(nb, x)
		nv := YMM()
		VPBROADCASTQ(x, nv)
		var valid [2]VecVirtual
		for s := range 2 {
			valid[s] = YMM()
			VPCMPGTQ(iotaQ.Offset(32*s), nv, valid[s]) // nb > group
		}
		return valid
	}
	{
		x := XMM()
		VMOVQ(base, x)
		bv := YMM()
		VPBROADCASTQ(x, bv)
		zero := YMM()
		VPXOR(zero, zero, zero)
		valid := validLanes()
		for s := range 2 {
			v := YMM()
			VPADDQ(groupStride.Offset(32*s), bv, v)
			VMOVDQU(v, ctrM(c, s))
			VMOVDQU(valid[s], openM(c, s))
			VMOVDQU(zero, dropM(c, s))
		}
	}
	tp, end := GP64(), GP64()
	LEAQ(c.f.thr, tp)
	LEAQ(c.f.thr.Offset(16*firstPassStepsAVX2), end)
	stepsAVX2(c, tp, end, prefix+"first")
	Comment("keep = ^drop, final for the groups decided.")
	valid := validLanes()
	for s := range 2 {
		k := YMM()
		VPXOR(dropM(c, s), c.ones, k)
		VPMASKMOVQ(k, valid[s], Mem{Base: out, Index: gi, Scale: 8, Disp: 32 * s})
	}
	Comment("Set the open groups aside: counters, open and drop words, group numbers.")
	for s := range 2 {
		zero, o := YMM(), YMM()
		VPXOR(zero, zero, zero)
		VPCMPEQQ(openM(c, s), zero, o)
		bitsOpen := GP32()
		VMOVMSKPD(o, bitsOpen)
		XORL(U32(15), bitsOpen) // lanes still open
		Label(fmt.Sprintf("%sset%d", prefix, s))
		JZ(LabelRef(fmt.Sprintf("%sset%ddone", prefix, s)))
		j, w := GP64(), GP64()
		BSFL(bitsOpen, j.As32())
		for _, l := range []struct{ from, to Mem }{
			{ctrM(c, s), ctrL}, {openM(c, s), openL}, {dropM(c, s), dropL},
		} {
			MOVQ(l.from.Idx(j, 8), w)
			MOVQ(w, l.to.Idx(cnt, 8))
		}
		LEAQ(Mem{Base: gi, Index: j, Scale: 1, Disp: 4 * s}, w)
		MOVQ(w, idxL.Idx(cnt, 8))
		INCQ(cnt)
		LEAL(Mem{Base: bitsOpen, Disp: -1}, w.As32())
		ANDL(w.As32(), bitsOpen) // clear the lowest lane
		JMP(LabelRef(fmt.Sprintf("%sset%d", prefix, s)))
		Label(fmt.Sprintf("%sset%ddone", prefix, s))
	}
	nextBatch(prefix, nb, gi, ng, base, cnt, lanes, hook)

	Label(prefix + "second")
	Comment("Second pass: min(cnt, 8) open groups from the list, from step firstPassSteps on.")
	m := GP64()
	MOVQ(U32(lanes), m)
	CMPQ(cnt, m)
	CMOVQCS(cnt, m)
	{
		x := XMM()
		VMOVQ(m, x)
		mv := YMM()
		VPBROADCASTQ(x, mv)
		for s := range 2 {
			v, o := YMM(), YMM()
			VMOVDQU(ctrL.Offset(32*s), v)
			VMOVDQU(v, ctrM(c, s))
			VPCMPGTQ(iotaQ.Offset(32*s), mv, o) // m > entry
			VPAND(openL.Offset(32*s), o, o)
			VMOVDQU(o, openM(c, s))
			VMOVDQU(dropL.Offset(32*s), v)
			VMOVDQU(v, dropM(c, s))
		}
	}
	LEAQ(c.f.thr.Offset(16*firstPassStepsAVX2), tp)
	LEAQ(c.f.thr.Offset(8*32), end)
	stepsAVX2(c, tp, end, prefix+"second")
	Comment("Store their keep words at their groups; move the rest of the list to its front.")
	for s := range 2 {
		k := YMM()
		VPXOR(dropM(c, s), c.ones, k)
		VMOVDQU(k, c.f.buf.Offset(32*s))
	}
	{
		j, g, w := GP64(), GP64(), GP64()
		XORQ(j, j)
		Label(prefix + "store")
		MOVQ(idxL.Idx(j, 8), g)
		MOVQ(c.f.buf.Idx(j, 8), w)
		MOVQ(w, Mem{Base: out, Index: g, Scale: 8})
		INCQ(j)
		CMPQ(j, m)
		JB(LabelRef(prefix + "store"))
	}
	for _, l := range []Mem{ctrL, openL, dropL, idxL} {
		for s := range 2 {
			v := YMM()
			VMOVDQU(l.Offset(8*lanes+32*s), v)
			VMOVDQU(v, l.Offset(32*s))
		}
	}
	SUBQ(m, cnt)
	JMP(LabelRef(prefix + "check"))
	Label(prefix + "done")
}

// cutWord clears the bits of m at n (1..64) and above: BZHI on AVX-512
// (whose path requires BMI2), a shift by 64-n in CX on AVX2.
func cutWord(isa vecISA, m, n Register) {
	if isa.width == 64 {
		BZHIQ(n, m, m)
		return
	}
	r := GP64()
	MOVQ(U32(64), RCX)
	SUBQ(n, RCX)
	MOVQ(I32(-1), r)
	SHRQ(CL, r)
	ANDQ(r, m)
}

// fusedPhiloxChunks is the fused kernels' body past one chunk: the groups
// are decided chunkGroups at a time (decideGroups) into one half of a ring
// of keep words on the stack, while the words of the previous chunk, in the
// other half, are applied a batch's worth after each first-pass batch; what is
// left of them is applied once the chunk is decided. Every word but the
// very last is applied whole; the last, cut at n, with masked loads and
// stores. The apply state lives on the stack between batches, leaving the
// registers to the decision.
func fusedPhiloxChunks(isa vecISA, f planeFrame, c planeConsts, a fusedApply, bp, n, base Register) {
	e := a.e
	ring := f.ring
	st := AllocLocal(8 * 8)
	dpS, spS, bpS, paS, pendS, leftS, lastS, gleftS := st, st.Offset(8), st.Offset(16), st.Offset(24), st.Offset(32), st.Offset(40), st.Offset(48), st.Offset(56)
	half := AllocLocal(16)
	halfS, gcS := half, half.Offset(8)
	// ptrS is the stack slot of a.ptrs[i]: dst and src in st, the others
	// after half.
	var more Mem
	if len(a.ptrs) > 2 {
		more = AllocLocal(8 * (len(a.ptrs) - 2))
	}
	ptrS := func(i int) Mem {
		switch i {
		case 0:
			return dpS
		case 1:
			return spS
		}
		return more.Offset(8 * (i - 2))
	}
	Comment("Groups G = ceil(n/64): G-1 words applied whole, the last cut to n - 64(G-1).")
	g := GP64()
	LEAQ(Mem{Base: n, Disp: 63}, g)
	SHRQ(U8(6), g)
	MOVQ(g, gleftS)
	DECQ(g)
	MOVQ(g, leftS)
	SHLQ(U8(6), g)
	SUBQ(g, n)
	MOVQ(n, lastS)
	for i, p := range a.ptrs {
		MOVQ(p, ptrS(i))
	}
	MOVQ(bp, bpS)
	MOVQ(U32(0), pendS)
	MOVQ(U32(0), halfS)
	MOVQ(U32(0), paS) // the index in the ring of the next word to apply

	// applyPending emits the apply of up to limit (a register, consumed)
	// pending words, each whole, stopping when none is pending or only the
	// last word of dst is left.
	applyPending := func(limit Register, prefix string) {
		Comment("Apply k = min(limit, pending, words before the last) words whole.")
		t := GP64()
		MOVQ(pendS, t)
		CMPQ(t, limit)
		CMOVQCS(t, limit)
		MOVQ(leftS, t)
		CMPQ(t, limit)
		CMOVQCS(t, limit)
		SUBQ(limit, pendS)
		SUBQ(limit, leftS)
		TESTQ(limit, limit)
		JZ(LabelRef(prefix + "applied"))
		p := make([]Register, len(a.ptrs))
		for i := range p {
			p[i] = GP64()
		}
		bp, pa := GP64(), GP64()
		for i := range p {
			MOVQ(ptrS(i), p[i])
		}
		MOVQ(bpS, bp)
		MOVQ(paS, pa)
		Label(prefix + "apply")
		m := GP64()
		MOVQ(ring.Idx(pa, 8), m)
		INCQ(pa)
		ANDQ(U8(2*chunkGroups-1), pa) // the ring wraps
		storeBits(bp, m, prefix+"stored")
		a.apply(p, m, nil, prefix)
		for i := len(p) - 1; i >= 0; i-- {
			ADDQ(U32(64*e.size), p[i])
		}
		DECQ(limit)
		JNZ(LabelRef(prefix + "apply"))
		for i := range p {
			MOVQ(p[i], ptrS(i))
		}
		MOVQ(bp, bpS)
		MOVQ(pa, paS)
		Label(prefix + "applied")
	}

	Label("chunk")
	Comment("Decide the next min(G left, chunkGroups) groups into the ring half at halfS.")
	gc, out := GP64(), GP64()
	MOVQ(gleftS, gc)
	MOVQ(U32(chunkGroups), out)
	CMPQ(gc, out)
	CMOVQCS(gc, out)
	MOVQ(out, gc)
	SUBQ(gc, gleftS)
	MOVQ(gc, gcS)
	LEAQ(ring, out)
	ADDQ(halfS, out)
	decideGroups(isa, c, out, base, gc, "g", func() {
		limit := GP64()
		MOVQ(U32(batchGroups(isa)), limit)
		applyPending(limit, "hook")
	})
	Comment("The rest of the previous chunk; then this chunk's words are pending.")
	limit := GP64()
	MOVQ(U32(chunkGroups), limit)
	applyPending(limit, "drain")
	MOVQ(gcS, gc)
	MOVQ(gc, pendS)
	XORQ(U32(8*chunkGroups), halfS)
	CMPQ(gleftS, U8(0))
	JNE(LabelRef("chunk"))

	Comment("All decided: the pending words whole, then the last word cut at its length.")
	limit = GP64()
	MOVQ(U32(chunkGroups), limit)
	applyPending(limit, "final")
	pa := GP64()
	MOVQ(paS, pa)
	m := GP64()
	MOVQ(ring.Idx(pa, 8), m)
	MOVQ(lastS, n)
	for i, p := range a.ptrs {
		MOVQ(ptrS(i), p)
	}
	MOVQ(bpS, bp)
	cutWord(isa, m, n)
	storeBits(bp, m, "chunkslaststored")
	a.apply(a.ptrs, m, n, "chunkslast")
	VZEROUPPER()
	RET()
}

// andMask sets v &= mask (lanes of all ones or zeros).
func andMask(e elemType, mask, v VecVirtual) {
	if e.size == 4 {
		VANDPS(mask, v, v)
	} else {
		VANDPD(mask, v, v)
	}
}

// nextBatch ends a first-pass batch of nb groups: it moves the group
// index gi, the groups left ng and the block number base past them, runs
// hook (the fused kernels' apply of the previous chunk), and branches: to
// the second pass once the open list holds a batch (cnt >= lanes), to the
// next batch while groups are left, and to the second pass for the last
// open groups, or to done when there are none. The label prefix+"check" is
// where the first batch enters.
func nextBatch(prefix string, nb, gi, ng, base, cnt Register, lanes int, hook func()) {
	ADDQ(nb, gi)
	SUBQ(nb, ng)
	SHLQ(U8(4), nb)
	ADDQ(nb, base)
	if hook != nil {
		hook()
	}

	Label(prefix + "check")
	CMPQ(cnt, U8(lanes))
	JAE(LabelRef(prefix + "second"))
	TESTQ(ng, ng)
	JNZ(LabelRef(prefix + "batch"))
	TESTQ(cnt, cnt)
	JZ(LabelRef(prefix + "done"))
}
