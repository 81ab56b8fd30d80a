package oracle

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
)

// Factories are the processors the oracle can replay. memory_limiter is left out on purpose: it
// decides on the Go heap of this process, which no replay can reproduce.
func Factories() map[component.Type]processor.Factory {
	out := map[component.Type]processor.Factory{}
	for _, f := range []processor.Factory{
		tailsamplingprocessor.NewFactory(),
		probabilisticsamplerprocessor.NewFactory(),
		filterprocessor.NewFactory(),
		batchprocessor.NewFactory(),
	} {
		out[f.Type()] = f
	}
	return out
}

// Options says what to replay and how.
type Options struct {
	// ConfigPath is a Collector config file with a `processors:` section.
	ConfigPath string
	// Processors is the chain in pipeline order (IDs such as "tail_sampling/x"). Empty means the
	// processors of the config's first traces pipeline, or its only processor.
	Processors []string
	// Drain is the virtual time replayed after the last arrival so that every pending decision
	// is made (tail_sampling decides decision_wait after a trace's first span).
	Drain time.Duration
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.ConfigPath == "" {
		return errors.New("oracle: a config path is required")
	}
	if o.Drain < 0 {
		return errors.New("oracle: drain must not be negative")
	}
	return nil
}

// TraceOutcome is what became of one trace: spans that went in and spans that came out.
type TraceOutcome struct {
	TraceID  pcommon.TraceID
	SpansIn  int
	SpansOut int
}

// Sampled reports whether any span of the trace left the chain.
func (o TraceOutcome) Sampled() bool { return o.SpansOut > 0 }

// Result is the outcome of a replay, traces in the order of their first arrival.
type Result struct {
	Traces        []TraceOutcome
	ConsumeErrors int // ConsumeTraces calls that returned an error (refused requests)
	// Counters are the tail_sampling processors' own metrics at shutdown, summed over the chain's
	// tail_sampling processors, by the names CounterNames lists.
	Counters map[string]int64
}

// CounterNames are the tail_sampling metrics the oracle reports (WriteCounters), each a short
// name for an instrument of v0.161.0's internal/metadata (and, for sums with a `decision` or
// `sampled` attribute, that attribute's value): what tracesim's TailSamplingStats counts too.
var CounterNames = []string{
	"new_trace_id_received",      // otelcol_processor_tail_sampling_new_trace_id_received
	"trace_dropped_too_early",    // ..._sampling_trace_dropped_too_early
	"traces_sampled",             // ..._global_count_traces_sampled{decision="sampled"}
	"traces_not_sampled",         // ..._global_count_traces_sampled{decision="not_sampled"}
	"traces_dropped",             // ..._global_count_traces_sampled{decision="dropped"}
	"traces_dropped_too_large",   // ..._traces_dropped_too_large
	"cache_released_sampled",     // ..._early_releases_from_cache_decision{sampled=true} (spans)
	"cache_released_not_sampled", // ..._early_releases_from_cache_decision{sampled=false}
	"late_span_age_count",        // ..._sampling_late_span_age (histogram count: late batches)
	"policy_evaluation_error",    // ..._sampling_policy_evaluation_error
}

// WriteCounters writes the counters file: a comment line, then `NAME VALUE` per CounterNames.
func (r Result) WriteCounters(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "# tracesim oracle counters v1: name value"); err != nil {
		return err
	}
	for _, n := range CounterNames {
		if _, err := fmt.Fprintf(w, "%s %d\n", n, r.Counters[n]); err != nil {
			return err
		}
	}
	return nil
}

// counters sums the tail_sampling metrics of rm by CounterNames.
func counters(rm metricdata.ResourceMetrics) map[string]int64 {
	out := map[string]int64{}
	const prefix = "otelcol_processor_tail_sampling_"
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, prefix) {
				continue
			}
			name := strings.TrimPrefix(m.Name, prefix)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					switch name {
					case "new_trace_id_received", "traces_dropped_too_large":
						out[name] += dp.Value
					case "sampling_trace_dropped_too_early":
						out["trace_dropped_too_early"] += dp.Value
					case "sampling_policy_evaluation_error":
						out["policy_evaluation_error"] += dp.Value
					case "global_count_traces_sampled":
						if v, ok := dp.Attributes.Value(attribute.Key("decision")); ok {
							out["traces_"+v.AsString()] += dp.Value
						}
					case "early_releases_from_cache_decision":
						if v, ok := dp.Attributes.Value(attribute.Key("sampled")); ok {
							// A string attribute ("true"/"false") at v0.161.0.
							if v.Emit() == "true" {
								out["cache_released_sampled"] += dp.Value
							} else {
								out["cache_released_not_sampled"] += dp.Value
							}
						}
					}
				}
			case metricdata.Histogram[int64]:
				if name == "sampling_late_span_age" {
					for _, dp := range d.DataPoints {
						out["late_span_age_count"] += int64(dp.Count)
					}
				}
			}
		}
	}
	return out
}

// WriteDecisions writes the decisions file: a comment line, then one line per trace in order
// of first arrival: `TRACE_ID_HEX sampled|dropped SPANS_IN SPANS_OUT`.
func (r Result) WriteDecisions(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "# tracesim oracle decisions v1: trace_id decision spans_in spans_out"); err != nil {
		return err
	}
	for _, t := range r.Traces {
		d := "dropped"
		if t.Sampled() {
			d = "sampled"
		}
		if _, err := fmt.Fprintf(w, "%s %s %d %d\n", hex.EncodeToString(t.TraceID[:]), d, t.SpansIn,
			t.SpansOut); err != nil {
			return err
		}
	}
	return nil
}

// tally counts spans per trace, remembering first-seen order. Safe for concurrent use (the
// processors call the sink from their own goroutines).
type tally struct {
	mu    sync.Mutex
	index map[pcommon.TraceID]int
	out   []TraceOutcome
}

func (t *tally) add(td ptrace.Traces, in bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				id := spans.At(k).TraceID()
				n, ok := t.index[id]
				if !ok {
					n = len(t.out)
					t.index[id] = n
					t.out = append(t.out, TraceOutcome{TraceID: id})
				}
				if in {
					t.out[n].SpansIn++
				} else {
					t.out[n].SpansOut++
				}
			}
		}
	}
}

// chainIDs picks the processor IDs to chain (see Options.Processors).
func chainIDs(conf *confmap.Conf, procs *confmap.Conf, explicit []string) ([]string, error) {
	if len(explicit) > 0 {
		return explicit, nil
	}
	pipes, err := conf.Sub("service::pipelines")
	if err != nil {
		return nil, err
	}
	for _, key := range pipes.AllKeys() {
		parts := strings.Split(key, confmap.KeyDelimiter)
		if len(parts) == 2 && parts[1] == "processors" &&
			(parts[0] == "traces" || strings.HasPrefix(parts[0], "traces/")) {
			list, ok := pipes.Get(key).([]any)
			if !ok {
				return nil, fmt.Errorf("oracle: service::pipelines::%s is not a list", key)
			}
			ids := make([]string, 0, len(list))
			for _, v := range list {
				ids = append(ids, fmt.Sprint(v))
			}
			return ids, nil
		}
	}
	keys := procs.ToStringMap()
	if len(keys) != 1 {
		return nil, fmt.Errorf("oracle: %d processors and no traces pipeline: name the chain", len(keys))
	}
	for k := range keys {
		return []string{k}, nil
	}
	return nil, nil
}

// buildChain creates the processors, last first, each feeding the next, ending in sink.
func buildChain(ctx context.Context, opts Options, sink consumer.Traces, mp *sdkmetric.MeterProvider) ([]processor.Traces, error) {
	conf, err := confmaptest.LoadConf(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	procs, err := conf.Sub("processors")
	if err != nil {
		return nil, err
	}
	ids, err := chainIDs(conf, procs, opts.Processors)
	if err != nil {
		return nil, err
	}
	factories := Factories()
	chain := make([]processor.Traces, len(ids))
	next := sink
	for i := len(ids) - 1; i >= 0; i-- {
		var id component.ID
		if err := id.UnmarshalText([]byte(ids[i])); err != nil {
			return nil, err
		}
		f, ok := factories[id.Type()]
		if !ok {
			return nil, fmt.Errorf("oracle: processor type %q is not replayable", id.Type())
		}
		cfg := f.CreateDefaultConfig()
		if !procs.IsSet(ids[i]) {
			return nil, fmt.Errorf("oracle: processor %q is not configured", ids[i])
		}
		sub, err := procs.Sub(ids[i])
		if err != nil {
			return nil, err
		}
		if err := sub.Unmarshal(cfg); err != nil {
			return nil, fmt.Errorf("oracle: processor %q: %w", ids[i], err)
		}
		if err := confmap.Validate(cfg); err != nil {
			return nil, fmt.Errorf("oracle: processor %q: %w", ids[i], err)
		}
		set := processortest.NewNopSettings(id.Type())
		set.ID = id
		set.TelemetrySettings.MeterProvider = mp
		p, err := f.CreateTraces(ctx, set, cfg, next)
		if err != nil {
			return nil, fmt.Errorf("oracle: processor %q: %w", ids[i], err)
		}
		chain[i] = p
		next = p
	}
	return chain, nil
}

// Replay runs arrivals through the configured chain inside a testing/synctest bubble: the
// processors' tickers, timers and time.Now run on the bubble's fake clock, which starts at the
// bubble's epoch and advances only while every goroutine in it is blocked. Arrival i is handed
// to the chain at virtual offset arrivals[i].UnixNanos - arrivals[0].UnixNanos, after every
// goroutine has settled (synctest.Wait), so the replay is deterministic and independent of the
// machine's speed. Drain more virtual time passes after the last arrival, then the chain shuts
// down (flushing what it holds).
func Replay(t *testing.T, arrivals []Arrival, opts Options) (Result, error) {
	return ReplayFrom(t, &SliceSource{Arrivals: arrivals}, opts)
}

// ReplayFrom is Replay reading the arrivals from src as it goes (an ArrivalReader keeps one
// request in memory at a time).
func ReplayFrom(t *testing.T, src ArrivalSource, opts Options) (Result, error) {
	if err := opts.Validate(); err != nil {
		return Result{}, err
	}
	var res Result
	var runErr error
	synctest.Test(t, func(t *testing.T) {
		res, runErr = replayInBubble(src, opts)
	})
	return res, runErr
}

func replayInBubble(src ArrivalSource, opts Options) (Result, error) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()
	in := &tally{index: map[pcommon.TraceID]int{}}
	out := &tally{index: map[pcommon.TraceID]int{}}
	sink, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		out.add(td, false)
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	chain, err := buildChain(ctx, opts, sink, mp)
	if err != nil {
		return Result{}, err
	}
	host := componenttest.NewNopHost()
	var running []processor.Traces // in start order: last processor first
	defer func() {                 // on an early return, shut down what runs, first processor first
		for i := len(running) - 1; i >= 0; i-- {
			_ = running[i].Shutdown(ctx)
		}
	}()
	for i := len(chain) - 1; i >= 0; i-- { // start last first, as the Collector does
		if err := chain[i].Start(ctx, host); err != nil {
			return Result{}, err
		}
		running = append(running, chain[i])
	}
	res := Result{}
	base := time.Now()
	var first uint64
	for i := 0; ; i++ {
		a, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
		if i == 0 {
			first = a.UnixNanos
		}
		due := base.Add(time.Duration(a.UnixNanos - first))
		if d := time.Until(due); d > 0 {
			// The bubble's clock advances only once every goroutine is durably blocked, so
			// sleeping also lets the processors finish the previous arrival (what Wait does).
			time.Sleep(d)
		} else if i > 0 {
			synctest.Wait() // same instant: the previous arrival is processed first
		}
		// Counted before the processors see it: they may mutate what they are given.
		in.add(a.Traces, true)
		td := a.Traces
		if len(chain) == 0 {
			_ = sink.ConsumeTraces(ctx, td)
		} else if err := chain[0].ConsumeTraces(ctx, td); err != nil {
			res.ConsumeErrors++
		}
	}
	time.Sleep(opts.Drain)
	synctest.Wait()
	running = nil
	var shutdownErr error
	for i := 0; i < len(chain); i++ {
		shutdownErr = errors.Join(shutdownErr, chain[i].Shutdown(ctx))
	}
	if shutdownErr != nil {
		return Result{}, shutdownErr
	}
	synctest.Wait()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return Result{}, err
	}
	res.Counters = counters(rm)
	// Every trace that came in is reported, in first-arrival order, with what came out of it.
	for _, o := range in.out {
		if n, ok := out.index[o.TraceID]; ok {
			o.SpansOut = out.out[n].SpansOut
		}
		res.Traces = append(res.Traces, o)
	}
	return res, nil
}
