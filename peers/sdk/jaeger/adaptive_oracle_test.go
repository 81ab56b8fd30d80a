// Jaeger v1.75.0's adaptive sampling as an oracle for tracesim's JaegerAdaptiveSampling
// (peers/sdk/README.md). run.sh copies this file into a copy of the jaeger module (the adaptive
// code lives under internal/, which only the module itself may import) and runs it with
//
//	go test -run TestReplay -feed FEED -out OUT
//
// Inside a testing/synctest bubble (virtual time, starting 2000-01-01T00:00:00Z) it builds the
// real aggregator (adaptive.NewAggregator) over the in-memory sampling store
// (memory.NewSamplingStore(aggregation_buckets), as the memory storage extension creates it),
// with a participant that is the leader, plus two providers (adaptive.NewProvider): one leader,
// one follower. It replays the feed's root spans through RecordThroughput at their virtual times
// and, after every calculation interval K, writes "tick K", then per (service, operation),
// sorted:
//
//	calc K SERVICE OPERATION PROBABILITY        the store's latest probabilities (%.17g)
//	leader K SERVICE OPERATION PROBABILITY      what the leader's provider serves
//	follower K SERVICE OPERATION PROBABILITY    what a follower's provider serves
//
// Feed (written by tracesim's jaeger_oracle): "# key value" option lines, then
// "R T_NS SERVICE OPERATION SAMPLER_TYPE PARAM" (one recorded root span, T_NS from the start,
// non-decreasing) and a final "E T_NS" (the end).
package tracesimoracle

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	spanmodel "github.com/jaegertracing/jaeger-idl/model/v1"
	"go.uber.org/zap"

	"github.com/jaegertracing/jaeger/internal/metrics"
	"github.com/jaegertracing/jaeger/internal/sampling/samplingstrategy/adaptive"
	"github.com/jaegertracing/jaeger/internal/storage/v1/memory"
)

var (
	feedPath = flag.String("feed", "", "the feed tracesim wrote")
	outPath  = flag.String("out", "", "where to write the probabilities")
)

type participant struct{ leader bool }

func (p participant) IsLeader() bool { return p.leader }
func (participant) Start() error     { return nil }
func (participant) Close() error     { return nil }

type record struct {
	t         time.Duration
	service   string
	operation string
	typ       spanmodel.SamplerType
	param     float64
}

var samplerTypes = map[string]spanmodel.SamplerType{
	"probabilistic": spanmodel.SamplerTypeProbabilistic,
	"lowerbound":    spanmodel.SamplerTypeLowerBound,
	"ratelimiting":  spanmodel.SamplerTypeRateLimiting,
	"const":         spanmodel.SamplerTypeConst,
	"unrecognized":  spanmodel.SamplerTypeUnrecognized,
}

func parseOption(opts *adaptive.Options, key, value string) error {
	f, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return fmt.Errorf("option %s: %w", key, err)
	}
	switch key {
	case "target_samples_per_second":
		opts.TargetSamplesPerSecond = f
	case "delta_tolerance":
		opts.DeltaTolerance = f
	case "calculation_interval_ns":
		opts.CalculationInterval = time.Duration(f)
	case "aggregation_buckets":
		opts.AggregationBuckets = int(f)
	case "calculation_buckets":
		opts.BucketsForCalculation = int(f)
	case "calculation_delay_ns":
		opts.Delay = time.Duration(f)
	case "initial_sampling_probability":
		opts.InitialSamplingProbability = f
	case "min_sampling_probability":
		opts.MinSamplingProbability = f
	case "min_samples_per_second":
		opts.MinSamplesPerSecond = f
	}
	return nil
}

func readFeed(path string) (adaptive.Options, []record, time.Duration, error) {
	opts := adaptive.DefaultOptions()
	var recs []record
	var end time.Duration
	f, err := os.Open(path)
	if err != nil {
		return opts, nil, 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) == 0 {
			continue
		}
		switch {
		case fields[0] == "#" && len(fields) == 3:
			if err := parseOption(&opts, fields[1], fields[2]); err != nil {
				return opts, nil, 0, err
			}
		case fields[0] == "R" && len(fields) == 6:
			t, err1 := strconv.ParseInt(fields[1], 10, 64)
			p, err2 := strconv.ParseFloat(fields[5], 64)
			typ, ok := samplerTypes[fields[4]]
			if err1 != nil || err2 != nil || !ok {
				return opts, nil, 0, fmt.Errorf("bad record %q", s.Text())
			}
			recs = append(recs, record{time.Duration(t), fields[2], fields[3], typ, p})
		case fields[0] == "E" && len(fields) == 2:
			t, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return opts, nil, 0, err
			}
			end = time.Duration(t)
		}
	}
	return opts, recs, end, s.Err()
}

// writeSorted appends "TAG K SERVICE OPERATION P" lines, sorted (Go map order is random).
func writeSorted(lines *[]string, tag string, k int, probs map[string]map[string]float64) {
	var out []string
	for svc, ops := range probs {
		for op, p := range ops {
			out = append(out, fmt.Sprintf("%s %d %s %s %s", tag, k, svc, op,
				strconv.FormatFloat(p, 'g', 17, 64)))
		}
	}
	sort.Strings(out)
	*lines = append(*lines, out...)
}

func served(p *adaptive.Provider, services map[string]bool) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for svc := range services {
		resp, err := p.GetSamplingStrategy(context.Background(), svc)
		if err != nil || resp.OperationSampling == nil {
			continue
		}
		ops := map[string]float64{}
		for _, s := range resp.OperationSampling.PerOperationStrategies {
			ops[s.Operation] = s.ProbabilisticSampling.SamplingRate
		}
		if len(ops) > 0 {
			out[svc] = ops
		}
	}
	return out
}

func TestReplay(t *testing.T) {
	if *feedPath == "" || *outPath == "" {
		t.Skip("needs -feed and -out (run by peers/sdk/run.sh)")
	}
	opts, recs, end, err := readFeed(*feedPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store := memory.NewSamplingStore(opts.AggregationBuckets)
		logger := zap.NewNop()
		agg, err := adaptive.NewAggregator(opts, logger, metrics.NullFactory, participant{true}, store)
		if err != nil {
			t.Fatal(err)
		}
		leader := adaptive.NewProvider(opts, logger, participant{true}, store)
		follower := adaptive.NewProvider(opts, logger, participant{false}, store)
		if err := leader.Start(); err != nil {
			t.Fatal(err)
		}
		if err := follower.Start(); err != nil {
			t.Fatal(err)
		}
		agg.Start()
		services := map[string]bool{}
		next := 0
		for k := 1; time.Duration(k)*opts.CalculationInterval <= end; k++ {
			tick := time.Duration(k) * opts.CalculationInterval
			// Records strictly before the tick go in first; one at the tick comes after it.
			for ; next < len(recs) && recs[next].t < tick; next++ {
				r := recs[next]
				time.Sleep(start.Add(r.t).Sub(time.Now()))
				synctest.Wait()
				services[r.service] = true
				agg.RecordThroughput(r.service, r.operation, r.typ, r.param)
			}
			time.Sleep(start.Add(tick).Sub(time.Now()))
			synctest.Wait()
			lines = append(lines, fmt.Sprintf("tick %d", k))
			probs, _ := store.GetLatestProbabilities()
			writeSorted(&lines, "calc", k, probs)
			writeSorted(&lines, "leader", k, served(leader, services))
			writeSorted(&lines, "follower", k, served(follower, services))
		}
		if err := agg.Close(); err != nil {
			t.Fatal(err)
		}
		leader.Close()
		follower.Close()
	})
	if err := os.WriteFile(*outPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
