// Command sdkoracle decides with the real OpenTelemetry Go SDK's TraceIDRatioBased sampler
// (go.opentelemetry.io/otel/sdk/trace) on the trace ids tracesim wrote (peers/sdk/README.md):
//
//	sdkoracle DIR   reads DIR/ids.bin (16-byte big-endian ids) and DIR/ratios.txt (one ratio a
//	                line), writes DIR/go.decisions: one byte per (ratio, id), ratio-major,
//	                1 = RecordAndSample.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func readRatios(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []float64
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		r, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
	return out, s.Err()
}

func run(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "ids.bin"))
	if err != nil {
		return err
	}
	if len(raw)%16 != 0 {
		return fmt.Errorf("ids.bin: size %d is not a multiple of 16", len(raw))
	}
	ratios, err := readRatios(filepath.Join(dir, "ratios.txt"))
	if err != nil {
		return err
	}
	n := len(raw) / 16
	out := make([]byte, 0, n*len(ratios))
	ctx := context.Background()
	for _, r := range ratios {
		s := sdktrace.TraceIDRatioBased(r)
		for i := 0; i < n; i++ {
			var id trace.TraceID
			copy(id[:], raw[16*i:16*i+16])
			res := s.ShouldSample(sdktrace.SamplingParameters{
				ParentContext: ctx, TraceID: id, Name: "oracle", Kind: trace.SpanKindInternal,
			})
			if res.Decision == sdktrace.RecordAndSample {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		}
	}
	return os.WriteFile(filepath.Join(dir, "go.decisions"), out, 0o644)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sdkoracle DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkoracle:", err)
		os.Exit(1)
	}
}
