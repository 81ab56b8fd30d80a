package oracle

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The command-line entry point: replay a recorded arrival stream and write the decisions file.
//
//	go test ./oracle -run TestReplayFile -args -arrivals IN -config CONFIG -out DECISIONS
var (
	flagArrivals = flag.String("arrivals", "", "arrival-stream file to replay (TestReplayFile)")
	flagConfig   = flag.String("config", "", "Collector config with the processors (TestReplayFile)")
	flagChain    = flag.String("processors", "", "comma-separated processor IDs (default: the traces pipeline)")
	flagOut      = flag.String("out", "", "decisions file to write (TestReplayFile)")
	flagCounters = flag.String("counters", "", "counters file to write (TestReplayFile), optional")
	flagDrain    = flag.Duration("drain", 5*time.Minute, "virtual time replayed after the last arrival")
)

func TestReplayFile(t *testing.T) {
	if *flagArrivals == "" {
		t.Skip("no -arrivals: this entry point replays a file given on the command line")
	}
	f, err := os.Open(*flagArrivals)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := NewArrivalReader(f)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{ConfigPath: *flagConfig, Drain: *flagDrain}
	if *flagChain != "" {
		opts.Processors = strings.Split(*flagChain, ",")
	}
	res, err := ReplayFrom(t, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if *flagCounters != "" {
		var cb bytes.Buffer
		if err := res.WriteCounters(&cb); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*flagCounters, cb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := res.WriteDecisions(&buf); err != nil {
		t.Fatal(err)
	}
	if *flagOut == "" {
		t.Fatal("-out is required")
	}
	if err := os.WriteFile(*flagOut, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// --- a small generated arrival stream ---

func traceID(i int) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[0:8], 0x0123456789abcdef^uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(id[8:16], uint64(i)*0xbf58476d1ce4e5b9+1)
	return id
}

type span struct {
	trace, index int
	err          bool
}

// request builds one export request holding the given spans (one resource, one scope).
func request(spans ...span) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, s := range spans {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(traceID(s.trace))
		var sid pcommon.SpanID
		binary.BigEndian.PutUint64(sid[:], uint64(s.trace)<<16|uint64(s.index)+1)
		sp.SetSpanID(sid)
		if s.index > 0 {
			var parent pcommon.SpanID
			binary.BigEndian.PutUint64(parent[:], uint64(s.trace)<<16|1)
			sp.SetParentSpanID(parent)
		}
		sp.SetName("op")
		sp.SetStartTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
		sp.SetEndTimestamp(pcommon.Timestamp(1_700_000_000_010_000_000))
		if s.err {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return td
}

const t0 = uint64(1_700_000_000_000_000_000) // arrival clock of the recorded run (Unix ns)

// writeAndRead round-trips arrivals through the file format, as a recorded run would.
func writeAndRead(t *testing.T, arrivals []Arrival) []Arrival {
	t.Helper()
	path := filepath.Join(t.TempDir(), "arrivals.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewArrivalWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arrivals {
		if err := w.Write(a.UnixNanos, a.Traces); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := ReadArrivals(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arrivals) {
		t.Fatalf("read %d records, wrote %d", len(got), len(arrivals))
	}
	return got
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const tailConfig = `
processors:
  tail_sampling:
    decision_wait: 5s
    num_traces: 1000
    policies:
      - name: errors
        type: status_code
        status_code: {status_codes: [ERROR]}
`

// 60 traces, one a virtual second, each in two requests 500 ms apart (root + child, then two
// children); every fifth trace has an error child. Two extra traces check the clock: trace 100's
// error child arrives 3 s after its root (inside decision_wait: sampled whole), trace 101's 8 s
// after (after the decision: the root was already dropped, and the late span is dropped too).
//
// wantSampled maps every trace to whether the Collector keeps it.
func tailArrivals() (arrivals []Arrival, wantSampled map[int]bool) {
	wantSampled = map[int]bool{100: true, 101: false}
	type rec struct {
		at    uint64
		spans []span
	}
	var recs []rec
	for i := 0; i < 60; i++ {
		at := t0 + uint64(i)*uint64(time.Second)
		e := i%5 == 0
		wantSampled[i] = e
		recs = append(recs, rec{at, []span{{i, 0, false}, {i, 1, false}}})
		recs = append(recs, rec{at + uint64(500*time.Millisecond), []span{{i, 2, e}, {i, 3, false}}})
	}
	recs = append(recs, rec{t0 + 70*uint64(time.Second), []span{{100, 0, false}, {101, 0, false}}})
	recs = append(recs, rec{t0 + 73*uint64(time.Second), []span{{100, 1, true}}})
	recs = append(recs, rec{t0 + 78*uint64(time.Second), []span{{101, 1, true}}})
	// Records must be in arrival order.
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && recs[j].at < recs[j-1].at; j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
	for _, r := range recs {
		arrivals = append(arrivals, Arrival{UnixNanos: r.at, Traces: request(r.spans...)})
	}
	return arrivals, wantSampled
}

func TestTailSamplingOnVirtualTime(t *testing.T) {
	arrivals, wantSampled := tailArrivals()
	arrivals = writeAndRead(t, arrivals)
	start := time.Now()
	res, err := Replay(t, arrivals, Options{ConfigPath: writeConfig(t, tailConfig), Drain: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replayed %d requests, ~140 s of virtual time, in %v", len(arrivals), time.Since(start))
	if len(res.Traces) != 62 {
		t.Fatalf("%d traces reported, want 62", len(res.Traces))
	}
	byID := map[pcommon.TraceID]TraceOutcome{}
	for _, o := range res.Traces {
		byID[o.TraceID] = o
	}
	for i, sampled := range wantSampled {
		o := byID[traceID(i)]
		wantIn, wantOut := 4, 0
		if i >= 100 {
			wantIn = 2
		}
		if sampled {
			wantOut = wantIn
		}
		if o.SpansIn != wantIn || o.SpansOut != wantOut {
			t.Errorf("trace %d: in %d out %d, want in %d out %d", i, o.SpansIn, o.SpansOut, wantIn, wantOut)
		}
	}
	if res.Traces[0].TraceID != traceID(0) || res.Traces[61].TraceID != traceID(101) {
		t.Error("traces are not reported in first-arrival order")
	}
	// The processor's own counters come through the manual metric reader.
	kept := 0
	for _, o := range res.Traces {
		if o.Sampled() {
			kept++
		}
	}
	if got := res.Counters["new_trace_id_received"]; got != 62 {
		t.Errorf("new_trace_id_received = %d, want 62", got)
	}
	if got := res.Counters["traces_sampled"]; got != int64(kept) {
		t.Errorf("traces_sampled = %d, want %d", got, kept)
	}
	if got := res.Counters["traces_sampled"] + res.Counters["traces_not_sampled"]; got != 62 {
		t.Errorf("decisions = %d, want 62", got)
	}
	var buf bytes.Buffer
	if err := res.WriteDecisions(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 63 || !strings.HasPrefix(lines[1], traceIDHex(0)+" sampled 4 4") ||
		!strings.HasPrefix(lines[2], traceIDHex(1)+" dropped 4 0") {
		t.Errorf("decisions file:\n%s", strings.Join(lines[:3], "\n"))
	}
}

func traceIDHex(i int) string {
	id := traceID(i)
	return pcommon.TraceID(id).String()
}

const probConfig = `
processors:
  probabilistic_sampler:
    mode: hash_seed
    hash_seed: 22
    sampling_percentage: 50
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [probabilistic_sampler]
      exporters: [nop]
`

func TestProbabilisticSamplerDeterministic(t *testing.T) {
	const n = 2000
	var arrivals []Arrival
	for i := 0; i < n; i += 100 { // 20 requests of 100 traces × 2 spans, 10 ms apart
		var spans []span
		for j := i; j < i+100; j++ {
			spans = append(spans, span{j, 0, false}, span{j, 1, false})
		}
		arrivals = append(arrivals, Arrival{UnixNanos: t0 + uint64(i/100)*uint64(10*time.Millisecond),
			Traces: request(spans...)})
	}
	arrivals = writeAndRead(t, arrivals)
	opts := Options{ConfigPath: writeConfig(t, probConfig)}
	a, err := Replay(t, arrivals, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Replay(t, arrivals, opts)
	if err != nil {
		t.Fatal(err)
	}
	var fa, fb bytes.Buffer
	_ = a.WriteDecisions(&fa)
	_ = b.WriteDecisions(&fb)
	if fa.String() != fb.String() {
		t.Error("two replays of the same stream decided differently")
	}
	sampled := 0
	for _, o := range a.Traces {
		if o.SpansOut != 0 && o.SpansOut != o.SpansIn {
			t.Errorf("trace %s split: %d of %d spans kept", o.TraceID, o.SpansOut, o.SpansIn)
		}
		if o.Sampled() {
			sampled++
		}
	}
	// hash_seed at 50 %: binomial(2000, 0.5), sd 22.4; allow 5 sd.
	if sd := math.Sqrt(n * 0.25); math.Abs(float64(sampled)-n/2) > 5*sd {
		t.Errorf("sampled %d of %d traces at 50 %%", sampled, n)
	}
	t.Logf("probabilistic_sampler hash_seed 50%%: %d of %d traces sampled", sampled, n)
}

func TestReadArrivalsRejectsBadInput(t *testing.T) {
	if _, err := ReadArrivals(strings.NewReader("nope")); err == nil {
		t.Error("bad magic accepted")
	}
	var buf bytes.Buffer
	w, _ := NewArrivalWriter(&buf)
	_ = w.Write(t0, request(span{1, 0, false}))
	_ = w.Flush()
	whole := buf.Bytes()
	if _, err := ReadArrivals(bytes.NewReader(whole[:len(whole)-3])); err == nil ||
		!strings.Contains(err.Error(), "record 0: truncated request") {
		t.Errorf("truncated record: %v", err)
	}
	if err := w.Write(t0-1, request(span{1, 0, false})); err == nil {
		t.Error("an arrival before the previous one was written")
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err == nil {
		t.Error("empty config path accepted")
	}
	if _, err := Replay(t, nil, Options{ConfigPath: writeConfig(t, "processors:\n  memory_limiter:\n")}); err == nil ||
		!strings.Contains(err.Error(), "not replayable") {
		t.Errorf("memory_limiter: %v", err)
	}
}
