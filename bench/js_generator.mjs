// The OpenTelemetry JS SDK as a trace generator, for bench/generators.sh (issue 12): spans made
// with the SDK's own API (BasicTracerProvider, BatchSpanProcessor, an OTLP exporter), as fast as
// the SDK takes them, for a fixed time.
//
//   node js_generator.mjs PROTOCOL ENDPOINT SECONDS
//
// PROTOCOL: grpc (ENDPOINT http://HOST:PORT) or http/protobuf (ENDPOINT http://HOST:PORT/v1/traces).
// Each trace is a root span and 18 children (19 spans, as load_bench.sh's fanout scenario), each
// with three attributes. The BatchSpanProcessor has the SDK defaults but a 65,536-span queue and
// 512-span batches (tracesim load's defaults); spans beyond a full queue are dropped by the SDK, as
// in production. Generation yields to the event loop after every trace, so the exporter runs.
// Prints one JSON line: {"created": spans ended, "seconds": generation time}. The spans delivered
// are counted by the receiving side.
import { createRequire } from 'node:module';
import path from 'node:path';

// The packages come from the interop tests' `npm ci` of tests/interop/package.json (pinned
// versions), found in $TRACESIM_INTEROP_DIR (build/tests/interop/js) or next to this file.
const base = process.env.TRACESIM_INTEROP_DIR || path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(base, 'package.json'));
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter: GrpcExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const api = require('@opentelemetry/api');

const [protocol, endpoint, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText);
if (!['grpc', 'http/protobuf'].includes(protocol) || !endpoint || !(seconds > 0)) {
  console.error('usage: node js_generator.mjs grpc|http/protobuf ENDPOINT SECONDS');
  process.exit(2);
}
const exporter = protocol === 'grpc' ? new GrpcExporter({ url: endpoint })
  : new ProtoExporter({ url: endpoint });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'js-generator' }),
  spanProcessors: [new BatchSpanProcessor(exporter, {
    maxQueueSize: 65536, maxExportBatchSize: 512, scheduledDelayMillis: 200,
  })],
});
const tracer = provider.getTracer('tracesim-bench', '0.1.0');

let created = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));

function oneTrace() {
  const root = tracer.startSpan('GET /product', { kind: api.SpanKind.SERVER });
  root.setAttribute('http.request.method', 'GET');
  root.setAttribute('http.route', '/product');
  root.setAttribute('http.response.status_code', 200);
  const ctx = api.trace.setSpan(api.context.active(), root);
  for (let i = 0; i < 18; ++i) {
    const child = tracer.startSpan('catalog.Get', { kind: api.SpanKind.CLIENT }, ctx);
    child.setAttribute('rpc.system', 'grpc');
    child.setAttribute('rpc.service', 'catalog');
    child.setAttribute('rpc.grpc.status_code', 0);
    child.end();
  }
  root.end();
  created += 19;
}

function loop() {
  if (process.hrtime.bigint() >= deadline) {
    const took = Number(process.hrtime.bigint() - start) / 1e9;
    provider.forceFlush().then(() => provider.shutdown()).then(() => {
      console.log(JSON.stringify({ created, seconds: took }));
    });
    return;
  }
  oneTrace();
  setImmediate(loop);
}
loop();
