package status

import (
	"encoding/binary"
	"runtime"
	"testing"
)

// A binary plist stores each object once and refers to it by number, so an
// array that holds the same child twice, that child holding its own twice,
// and so on, is a few hundred bytes on disk and 2^depth values once decoded
// into an `any`. These build such files, to prove the engine never does.

// bobj is one object of a binary plist: a string, true, an array of
// objects, or a dictionary (keys and values are objects).
type bobj struct {
	str    string
	isTrue bool
	array  []int
	keys   []int
	values []int
	dict   bool
}

// bplist encodes objects (top is the root) as a binary plist with 2-byte
// object references and 4-byte offsets.
func bplist(objs []bobj, top int) []byte {
	out := []byte("bplist00")
	offsets := make([]int, len(objs))
	ref := func(i int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(i)) }
	count := func(marker byte, n int) []byte {
		if n < 15 {
			return []byte{marker | byte(n)}
		}
		return append([]byte{marker | 0x0f, 0x11}, binary.BigEndian.AppendUint16(nil, uint16(n))...)
	}
	for i, o := range objs {
		offsets[i] = len(out)
		switch {
		case o.isTrue:
			out = append(out, 0x09)
		case o.dict:
			out = append(out, count(0xd0, len(o.keys))...)
			for _, k := range o.keys {
				out = append(out, ref(k)...)
			}
			for _, v := range o.values {
				out = append(out, ref(v)...)
			}
		case o.array != nil:
			out = append(out, count(0xa0, len(o.array))...)
			for _, r := range o.array {
				out = append(out, ref(r)...)
			}
		default:
			out = append(out, count(0x50, len(o.str))...)
			out = append(out, o.str...)
		}
	}
	tableAt := len(out)
	for _, off := range offsets {
		out = binary.BigEndian.AppendUint32(out, uint32(off))
	}
	trailer := make([]byte, 6, 32)
	trailer = append(trailer, 4, 2) // offset size, ref size
	trailer = binary.BigEndian.AppendUint64(trailer, uint64(len(objs)))
	trailer = binary.BigEndian.AppendUint64(trailer, uint64(top))
	trailer = binary.BigEndian.AppendUint64(trailer, uint64(tableAt))
	return append(out, trailer...)
}

// bombBuilder appends objects and hands back their numbers.
type bombBuilder struct{ objs []bobj }

func (b *bombBuilder) add(o bobj) int   { b.objs = append(b.objs, o); return len(b.objs) - 1 }
func (b *bombBuilder) str(s string) int { return b.add(bobj{str: s}) }

// chain is an array holding the same array twice, depth levels deep.
func (b *bombBuilder) chain(depth int) int {
	leaf := b.add(bobj{isTrue: true})
	for i := 0; i < depth; i++ {
		leaf = b.add(bobj{array: []int{leaf, leaf}})
	}
	return leaf
}

func (b *bombBuilder) dict(kv ...int) int {
	o := bobj{dict: true}
	for i := 0; i+1 < len(kv); i += 2 {
		o.keys, o.values = append(o.keys, kv[i]), append(o.values, kv[i+1])
	}
	return b.add(o)
}

// agentBomb is a LaunchAgent plist whose KeepAlive, and a key nobody
// reads, are 2^depth values.
func agentBomb(depth int) []byte {
	var b bombBuilder
	bomb := b.chain(depth)
	args := b.add(bobj{array: []int{b.str("/Users/jdoe/.local/bin/halton-meter"), b.str("daemon")}})
	top := b.dict(b.str("Label"), b.str(LabelDaemon), b.str("ProgramArguments"), args,
		b.str("KeepAlive"), bomb, b.str("Sockets"), bomb, b.str("EnvironmentVariables"), b.dict(b.str("X"), b.str("y")))
	return bplist(b.objs, top)
}

// prefsBomb is a preferences.plist whose service's Interface and Proxies,
// the current set's service order, and a key nobody reads are 2^depth
// values.
func prefsBomb(depth int) []byte {
	var b bombBuilder
	bomb := b.chain(depth)
	svc := b.dict(b.str("UserDefinedName"), b.str("Wi-Fi"), b.str("Interface"), bomb, b.str("Proxies"), bomb, b.str("IPv4"), bomb)
	set := b.dict(b.str("Network"), b.dict(b.str("Global"), b.dict(b.str("IPv4"), b.dict(b.str("ServiceOrder"), bomb)),
		b.str("Service"), b.dict(b.str("A"), bomb)))
	top := b.dict(b.str("CurrentSet"), b.str("/Sets/S"), b.str("NetworkServices"), b.dict(b.str("A"), svc),
		b.str("Sets"), b.dict(b.str("S"), set), b.str("System"), bomb)
	return bplist(b.objs, top)
}

// allocated is how many bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// memoryBound is what decoding one small plist may allocate.
const memoryBound = 8 << 20

func TestPlistBombs(t *testing.T) {
	agent := agentBomb(62)
	prefs := prefsBomb(62)
	if len(agent) > 1024 || len(prefs) > 1024 {
		t.Fatalf("the bombs are %d and %d bytes", len(agent), len(prefs))
	}
	var a LaunchAgent
	var err error
	if n := allocated(func() { a, err = ParseLaunchAgent(agent) }); n > memoryBound {
		t.Errorf("decoding the LaunchAgent bomb allocated %d bytes", n)
	}
	if err != nil || a.Label != LabelDaemon || a.Executable() != "/Users/jdoe/.local/bin/halton-meter" || a.KeepsAlive() {
		t.Errorf("agent %+v %v (KeepAlive an array: not set)", a, err)
	}
	var services []ProxyService
	if n := allocated(func() { services, err = ParsePreferences(prefs) }); n > memoryBound {
		t.Errorf("decoding the preferences bomb allocated %d bytes", n)
	}
	if err != nil || len(services) != 1 || services[0].Name != "Wi-Fi" || services[0].Secure.Enabled {
		t.Errorf("services %+v %v", services, err)
	}
}
