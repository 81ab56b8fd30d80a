// Refinery's dynamic samplers (github.com/honeycombio/dynsampler-go, pinned in go.mod) as an
// oracle for tracesim's DynamicSampler and EmaDynamicSampler (peers/sdk/README.md). Run by
// peers/sdk/run.sh:
//
//	go test -c; ./oracle.test -test.run TestReplay -feed FEED -out OUT
//
// Inside a testing/synctest bubble (virtual time) it starts AvgSampleRate (Refinery's
// DynamicSampler) or EMASampleRate (EMADynamicSampler) with the feed's options, then for every
// "C T_NS KEY COUNT" line sleeps until T_NS, lets the sampler's goroutine finish whatever
// window closed (synctest.Wait), calls GetSampleRateMulti(KEY, COUNT), waits again (a burst
// is handled by that goroutine) and writes "rate I R" (I = the call's index).
//
// Feed (written by tracesim's dynsampler_oracle): "# KEY VALUE" options (sampler dynamic|ema,
// goal_sample_rate, clear_frequency_ns, adjustment_interval_ns, weight, age_out_value,
// burst_multiple, burst_detection_delay, max_keys), then the calls in time order.
package dynsampleroracle

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	dynsampler "github.com/honeycombio/dynsampler-go"
)

var (
	feedPath = flag.String("feed", "", "the feed tracesim wrote")
	outPath  = flag.String("out", "", "where to write the rates")
)

type call struct {
	t     time.Duration
	key   string
	count int
}

func readFeed(path string) (map[string]string, []call, error) {
	opts := map[string]string{}
	var calls []call
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		switch {
		case len(fields) == 3 && fields[0] == "#":
			opts[fields[1]] = fields[2]
		case len(fields) == 4 && fields[0] == "C":
			t, err1 := strconv.ParseInt(fields[1], 10, 64)
			n, err2 := strconv.Atoi(fields[3])
			if err1 != nil || err2 != nil {
				return nil, nil, fmt.Errorf("bad call %q", s.Text())
			}
			calls = append(calls, call{time.Duration(t), fields[2], n})
		}
	}
	return opts, calls, s.Err()
}

func num(opts map[string]string, key string) float64 {
	v, _ := strconv.ParseFloat(opts[key], 64)
	return v
}

func newSampler(opts map[string]string) (dynsampler.Sampler, error) {
	switch opts["sampler"] {
	case "dynamic":
		return &dynsampler.AvgSampleRate{
			ClearFrequencyDuration: time.Duration(num(opts, "clear_frequency_ns")),
			GoalSampleRate:         int(num(opts, "goal_sample_rate")),
			MaxKeys:                int(num(opts, "max_keys")),
		}, nil
	case "ema":
		return &dynsampler.EMASampleRate{
			AdjustmentIntervalDuration: time.Duration(num(opts, "adjustment_interval_ns")),
			Weight:                     num(opts, "weight"),
			GoalSampleRate:             int(num(opts, "goal_sample_rate")),
			MaxKeys:                    int(num(opts, "max_keys")),
			AgeOutValue:                num(opts, "age_out_value"),
			BurstMultiple:              num(opts, "burst_multiple"),
			BurstDetectionDelay:        uint(num(opts, "burst_detection_delay")),
		}, nil
	}
	return nil, fmt.Errorf("unknown sampler %q", opts["sampler"])
}

func TestReplay(t *testing.T) {
	if *feedPath == "" || *outPath == "" {
		t.Skip("needs -feed and -out (run by peers/sdk/run.sh)")
	}
	opts, calls, err := readFeed(*feedPath)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	synctest.Test(t, func(t *testing.T) {
		s, err := newSampler(opts)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		for i, c := range calls {
			time.Sleep(start.Add(c.t).Sub(time.Now()))
			synctest.Wait()
			fmt.Fprintf(&out, "rate %d %d\n", i, s.GetSampleRateMulti(c.key, c.count))
			synctest.Wait()
		}
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
	})
	if err := os.WriteFile(*outPath, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
