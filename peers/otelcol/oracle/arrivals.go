// Package oracle replays a recorded arrival stream of OTLP export requests through the real
// Collector processors (tail_sampling, probabilistic_sampler, filter, batch) on virtual time and
// reports what each trace became. It is the reference tracesim's sampling models are compared
// with (issue 10); doc/collector.md describes the file formats.
package oracle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// ArrivalsMagic opens every arrival-stream file (8 bytes, format version 1).
const ArrivalsMagic = "TSARRV1\n"

// maxRecordBytes bounds one record's protobuf so a corrupt length cannot allocate gigabytes.
const maxRecordBytes = 256 << 20

// Arrival is one export request as the Collector's receiver would hand it on: when it arrived
// (Unix nanoseconds, wall clock of the run that recorded it) and what it carried.
type Arrival struct {
	UnixNanos uint64
	Traces    ptrace.Traces
}

// ArrivalWriter writes the arrival-stream format:
//
//	file   = magic record*
//	magic  = "TSARRV1\n"                       (8 bytes)
//	record = arrival_unix_nanos  uint64 little-endian
//	         length              uint32 little-endian
//	         request             length bytes: an OTLP ExportTraceServiceRequest (protobuf)
//
// Records are in non-decreasing arrival order.
type ArrivalWriter struct {
	w    *bufio.Writer
	last uint64
}

// NewArrivalWriter writes the magic and returns a writer; call Flush at the end.
func NewArrivalWriter(w io.Writer) (*ArrivalWriter, error) {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(ArrivalsMagic); err != nil {
		return nil, err
	}
	return &ArrivalWriter{w: bw}, nil
}

// Write appends one record. Arrivals must not go back in time.
func (a *ArrivalWriter) Write(unixNanos uint64, td ptrace.Traces) error {
	if unixNanos < a.last {
		return fmt.Errorf("arrival %d is before the previous one (%d)", unixNanos, a.last)
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return err
	}
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[0:8], unixNanos)
	binary.LittleEndian.PutUint32(hdr[8:12], uint32(len(body)))
	if _, err := a.w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := a.w.Write(body); err != nil {
		return err
	}
	a.last = unixNanos
	return nil
}

// Flush writes what is buffered.
func (a *ArrivalWriter) Flush() error { return a.w.Flush() }

// ArrivalReader reads an arrival-stream file one record at a time, so that a replay holds one
// request in memory, not the whole stream (a 150 s checkout run is ~200,000 requests: decoded
// at once they took ~1 GB).
type ArrivalReader struct {
	br   *bufio.Reader
	i    int
	last uint64
	body []byte
}

// NewArrivalReader checks the magic and returns a reader positioned at the first record.
func NewArrivalReader(r io.Reader) (*ArrivalReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic := make([]byte, len(ArrivalsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != ArrivalsMagic {
		return nil, errors.New("not an arrival stream: the file does not start with " +
			fmt.Sprintf("%q", ArrivalsMagic))
	}
	return &ArrivalReader{br: br}, nil
}

// Next returns the next record, or io.EOF after the last. A truncated record, an out-of-order
// arrival or a request that does not decode is an error naming the record.
func (a *ArrivalReader) Next() (Arrival, error) {
	i := a.i
	var hdr [12]byte
	n, err := io.ReadFull(a.br, hdr[:])
	if err == io.EOF && n == 0 {
		return Arrival{}, io.EOF
	}
	if err != nil {
		return Arrival{}, fmt.Errorf("record %d: truncated header", i)
	}
	at := binary.LittleEndian.Uint64(hdr[0:8])
	size := binary.LittleEndian.Uint32(hdr[8:12])
	if size > maxRecordBytes {
		return Arrival{}, fmt.Errorf("record %d: length %d is over %d", i, size, maxRecordBytes)
	}
	if at < a.last {
		return Arrival{}, fmt.Errorf("record %d: arrival %d is before the previous one (%d)", i, at, a.last)
	}
	if cap(a.body) < int(size) {
		a.body = make([]byte, size)
	}
	body := a.body[:size]
	if _, err := io.ReadFull(a.br, body); err != nil {
		return Arrival{}, fmt.Errorf("record %d: truncated request (%d bytes expected)", i, size)
	}
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return Arrival{}, fmt.Errorf("record %d: %w", i, err)
	}
	a.i++
	a.last = at
	return Arrival{UnixNanos: at, Traces: req.Traces()}, nil
}

// ReadArrivals reads a whole arrival-stream file (NewArrivalReader, then Next to the end).
func ReadArrivals(r io.Reader) ([]Arrival, error) {
	ar, err := NewArrivalReader(r)
	if err != nil {
		return nil, err
	}
	var out []Arrival
	for {
		a, err := ar.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
}

// ArrivalSource yields arrivals in order; Next returns io.EOF after the last.
type ArrivalSource interface {
	Next() (Arrival, error)
}

// SliceSource is an ArrivalSource over arrivals held in memory; it yields copies, since the
// processors may change what they are handed, so a slice can be replayed again.
type SliceSource struct {
	Arrivals []Arrival
	i        int
}

// Next implements ArrivalSource.
func (s *SliceSource) Next() (Arrival, error) {
	if s.i >= len(s.Arrivals) {
		return Arrival{}, io.EOF
	}
	a := s.Arrivals[s.i]
	s.i++
	td := ptrace.NewTraces()
	a.Traces.CopyTo(td)
	return Arrival{UnixNanos: a.UnixNanos, Traces: td}, nil
}
