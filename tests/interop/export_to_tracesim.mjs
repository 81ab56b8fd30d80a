// Interop direction (a): the OpenTelemetry JS OTLP exporters send spans to `tracesim receive`.
//
//   node export_to_tracesim.mjs TRACESIM_BINARY WORK_DIR
//
// Scenario "plain": one receiver; http/protobuf, http/json and grpc exporters each send their
// own spans (BasicTracerProvider + BatchSpanProcessor); the receiver is stopped with SIGTERM and
// its summary and --out file must hold exactly the spans sent (count, ids, names).
// Scenario "retry": the receiver throttles 30 % of requests (HTTP 429 + Retry-After: 1, seeded);
// the JS exporter must retry and every span must arrive exactly once.
// Prints one JSON line with what it measured; exits 1 with a message on any mismatch.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ExportResultCode } = require('@opentelemetry/core');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPTraceExporter: GrpcExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');

const [tracesim, workDir] = process.argv.slice(2);
if (!tracesim || !workDir) {
  console.error('usage: node export_to_tracesim.mjs TRACESIM_BINARY WORK_DIR');
  process.exit(2);
}
fs.mkdirSync(workDir, { recursive: true });

function fail(message) {
  console.error(`interop: ${message}`);
  process.exit(1);
}

// Starts `tracesim receive` and resolves with its endpoints once it prints them.
function startReceiver(name, extraArgs) {
  const summary = path.join(workDir, `${name}-summary.json`);
  const out = path.join(workDir, `${name}-spans.jsonl`);
  const args = ['receive', '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--summary-json',
    summary, '--out', out, '--no-progress', '--duration', '120s', ...extraArgs];
  const child = spawn(tracesim, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const endpoints = {};
    const timer = setTimeout(() => reject(new Error('tracesim receive did not start in 30 s')), 30000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, where] = line.split(' ');
      if (kind === 'otlp-grpc') endpoints.grpc = `http://${where}`;
      if (kind === 'otlp-http') endpoints.http = where;
      if (endpoints.grpc && endpoints.http && !endpoints.ready) {
        endpoints.ready = true;
        clearTimeout(timer);
        resolve({ child, exited, summary, out, endpoints });
      }
    });
    child.on('error', reject);
  });
}

// Wraps an exporter to record each export's outcome.
function recording(exporter, results) {
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        results.push({ spans: spans.length, code: result.code, error: result.error && String(result.error) });
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => (exporter.forceFlush ? exporter.forceFlush() : Promise.resolve()),
  };
}

// Creates `count` spans in traces of up to 5 (a root and children) through `exporter`; returns
// the expected {spanIdHex: name} map and the export outcomes.
async function sendSpans(label, exporter, count) {
  const results = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `interop-${label}` }),
    spanProcessors: [new BatchSpanProcessor(recording(exporter, results), {
      maxExportBatchSize: 16, scheduledDelayMillis: 50, maxQueueSize: 4096,
    })],
  });
  const tracer = provider.getTracer('tracesim-interop', '1.0.0');
  const expected = new Map();
  let made = 0;
  while (made < count) {
    const root = tracer.startSpan(`${label}-root-${made}`, { kind: api.SpanKind.SERVER });
    expected.set(root.spanContext().spanId, `${label}-root-${made}`);
    made++;
    const ctx = api.trace.setSpan(api.context.active(), root);
    for (let c = 0; c < 4 && made < count; c++, made++) {
      const child = tracer.startSpan(`${label}-child-${made}`, { kind: api.SpanKind.CLIENT,
        attributes: { 'interop.index': made } }, ctx);
      expected.set(child.spanContext().spanId, `${label}-child-${made}`);
      child.end();
    }
    root.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
  const failed = results.filter((r) => r.code !== ExportResultCode.SUCCESS);
  if (failed.length > 0) fail(`${label}: ${failed.length} exports failed: ${JSON.stringify(failed[0])}`);
  const exported = results.reduce((n, r) => n + r.spans, 0);
  if (exported !== count) fail(`${label}: exported ${exported} spans, expected ${count}`);
  return { expected, requests: results.length };
}

// Reads the receiver's --out file: spanId -> name (hex ids as OTLP/JSON writes them).
function readOut(file) {
  const seen = new Map();
  let duplicates = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const req = JSON.parse(line);
    for (const rs of req.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          if (!/^[0-9a-f]{32}$/.test(span.traceId) || !/^[0-9a-f]{16}$/.test(span.spanId)) {
            fail(`--out has a bad id: ${JSON.stringify(span).slice(0, 200)}`);
          }
          if (seen.has(span.spanId)) duplicates++;
          seen.set(span.spanId, span.name);
        }
      }
    }
  }
  return { seen, duplicates };
}

async function stopReceiver(rx) {
  rx.child.kill('SIGTERM');
  const { code, signal } = await rx.exited;
  if (code !== 0) fail(`tracesim receive exited with ${code} (${signal})`);
  return JSON.parse(fs.readFileSync(rx.summary, 'utf8'));
}

function checkSame(label, expected, seen) {
  if (seen.size !== expected.size) fail(`${label}: receiver wrote ${seen.size} distinct spans, sent ${expected.size}`);
  for (const [id, name] of expected) {
    if (seen.get(id) !== name) fail(`${label}: span ${id} '${name}' arrived as '${seen.get(id)}'`);
  }
}

const report = {};

// --- plain -----------------------------------------------------------------------------------
{
  const rx = await startReceiver('plain', []);
  const url = `${rx.endpoints.http}`;
  const proto = await sendSpans('proto', new ProtoExporter({ url }), 40);
  const json = await sendSpans('json', new JsonExporter({ url }), 30);
  const grpc = await sendSpans('grpc', new GrpcExporter({ url: rx.endpoints.grpc }), 20);
  const summary = await stopReceiver(rx);
  const expected = new Map([...proto.expected, ...json.expected, ...grpc.expected]);
  const { seen, duplicates } = readOut(rx.out);
  checkSame('plain', expected, seen);
  if (duplicates !== 0) fail(`plain: ${duplicates} duplicate spans`);
  report.plain = {
    sent: expected.size,
    accepted: summary.spans.accepted,
    rejected: summary.spans.rejected,
    requests_by_code: summary.requests_by_code,
    js_requests: { proto: proto.requests, json: json.requests, grpc: grpc.requests },
  };
}

// --- retry: 429 + Retry-After on 30 % of requests --------------------------------------------
{
  const rx = await startReceiver('retry', ['--fault', 'throttle=0.3', '--fault', 'retry-after=1s',
    '--fault', 'seed=11']);
  const sent = await sendSpans('retry', new ProtoExporter({ url: rx.endpoints.http, timeoutMillis: 30000 }), 48);
  const summary = await stopReceiver(rx);
  const { seen, duplicates } = readOut(rx.out);
  checkSame('retry', sent.expected, seen);
  report.retry = {
    sent: sent.expected.size,
    accepted: summary.spans.accepted,
    refused: summary.spans.refused,
    duplicates,
    requests_by_code: summary.requests_by_code,
  };
}

console.log(JSON.stringify(report));
