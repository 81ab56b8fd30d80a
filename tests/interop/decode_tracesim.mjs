// Interop direction (b): the OpenTelemetry JS protobuf definitions decode what tracesim sends.
//
//   node decode_tracesim.mjs TRACESIM_BINARY INTEROP_OTLP_TOOL WORK_DIR
//
// 1. `tracesim run checkout --spans-out run.jsonl` writes OTLP/JSON lines (exporter/
//    OtlpJsonEncoder); every line is checked against the OTLP/JSON rules independently here
//    (lowerCamelCase keys, hex ids, integer enums, 64-bit integers as decimal strings).
// 2. interop_otlp_tool turns the lines into protobuf bytes with libprotobuf; each request is
//    decoded with the ExportTraceServiceRequest type of @opentelemetry/otlp-transformer's
//    protobufjs root and must carry the same spans (ids, names, kinds, times) as the JSON.
// 3. The span count must equal the count in tracesim's own run summary.
// Prints one JSON line with what it measured; exits 1 with a message on any mismatch.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const [tracesim, tool, workDir] = process.argv.slice(2);
if (!tracesim || !tool || !workDir) {
  console.error('usage: node decode_tracesim.mjs TRACESIM_BINARY INTEROP_OTLP_TOOL WORK_DIR');
  process.exit(2);
}
fs.mkdirSync(workDir, { recursive: true });
function fail(message) {
  console.error(`interop: ${message}`);
  process.exit(1);
}

const jsonl = path.join(workDir, 'run.jsonl');
const bin = path.join(workDir, 'run.bin');
const runSummary = JSON.parse(execFileSync(tracesim, ['run', 'checkout', '--duration', '3s',
  '--seed', '7', '--spans-out', jsonl, '--format', 'json', '--no-progress'], { encoding: 'utf8' }));
const toolOut = JSON.parse(execFileSync(tool, ['to-protobuf', jsonl, bin], { encoding: 'utf8' }));

// OTLP/JSON rules, checked on the raw JSON tree.
const INT64_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'intValue']);
function checkJsonRules(node, where) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => checkJsonRules(v, `${where}[${i}]`));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key.includes('_')) fail(`${where}.${key}: keys must be lowerCamelCase`);
    if (INT64_KEYS.has(key) && !(typeof value === 'string' && /^-?\d+$/.test(value))) {
      fail(`${where}.${key}: 64-bit integers must be decimal strings, got ${JSON.stringify(value)}`);
    }
    if (key === 'kind' && !Number.isInteger(value)) fail(`${where}.kind: enums must be integers`);
    if (key === 'code' && !Number.isInteger(value)) fail(`${where}.code: enums must be integers`);
    checkJsonRules(value, `${where}.${key}`);
  }
}

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

const lines = fs.readFileSync(jsonl, 'utf8').split('\n').filter((l) => l.length > 0);
const frames = [];
const data = fs.readFileSync(bin);
for (let off = 0; off < data.length;) {
  const len = data.readUInt32BE(off);
  frames.push(data.subarray(off + 4, off + 4 + len));
  off += 4 + len;
}
if (frames.length !== lines.length) fail(`${frames.length} protobuf requests for ${lines.length} JSON lines`);

let spans = 0;
const traces = new Set();
const spanIds = new Set();
let parentsFound = 0;
let parents = 0;
for (let i = 0; i < lines.length; i++) {
  const json = JSON.parse(lines[i]);
  checkJsonRules(json, `line ${i + 1}`);
  const decoded = ExportTraceServiceRequest.decode(frames[i]);
  const jsonSpans = json.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const pbSpans = decoded.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  if (jsonSpans.length !== pbSpans.length) fail(`line ${i + 1}: ${jsonSpans.length} JSON spans, ${pbSpans.length} protobuf spans`);
  const inRequest = new Set(pbSpans.map((s) => hex(s.spanId)));
  jsonSpans.forEach((js, k) => {
    const ps = pbSpans[k];
    const where = `line ${i + 1} span ${k}`;
    if (!/^[0-9a-f]{32}$/.test(js.traceId) || /^0+$/.test(js.traceId)) fail(`${where}: bad traceId ${js.traceId}`);
    if (!/^[0-9a-f]{16}$/.test(js.spanId) || /^0+$/.test(js.spanId)) fail(`${where}: bad spanId ${js.spanId}`);
    if (hex(ps.traceId) !== js.traceId) fail(`${where}: traceId ${hex(ps.traceId)} != ${js.traceId}`);
    if (hex(ps.spanId) !== js.spanId) fail(`${where}: spanId ${hex(ps.spanId)} != ${js.spanId}`);
    if (hex(ps.parentSpanId ?? []) !== (js.parentSpanId ?? '')) fail(`${where}: parentSpanId differs`);
    if (ps.name !== js.name) fail(`${where}: name '${ps.name}' != '${js.name}'`);
    if ((ps.kind ?? 0) !== (js.kind ?? 0)) fail(`${where}: kind ${ps.kind} != ${js.kind}`);
    if (ps.startTimeUnixNano.toString() !== js.startTimeUnixNano) fail(`${where}: startTimeUnixNano differs`);
    if (ps.endTimeUnixNano.toString() !== js.endTimeUnixNano) fail(`${where}: endTimeUnixNano differs`);
    if ((ps.attributes ?? []).length !== (js.attributes ?? []).length) fail(`${where}: attribute count differs`);
    traces.add(js.traceId);
    if (spanIds.has(js.spanId)) fail(`${where}: duplicate spanId ${js.spanId}`);
    spanIds.add(js.spanId);
    if (js.parentSpanId) {
      parents++;
      if (inRequest.has(js.parentSpanId)) parentsFound++;
    }
  });
  spans += jsonSpans.length;
}
if (spans !== runSummary.spans) fail(`decoded ${spans} spans, tracesim run reported ${runSummary.spans}`);
if (spans !== toolOut.spans) fail(`decoded ${spans} spans, libprotobuf encoded ${toolOut.spans}`);
if (traces.size !== runSummary.traces) fail(`decoded ${traces.size} traces, tracesim run reported ${runSummary.traces}`);
console.log(JSON.stringify({ requests: lines.length, spans, traces: traces.size,
  run_spans: runSummary.spans, run_traces: runSummary.traces, parents, parents_in_request: parentsFound }));
