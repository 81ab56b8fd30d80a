/*
 * The real OpenTelemetry Java SDK samplers as an oracle for tracesim (peers/sdk/README.md).
 *
 *   java -cp ... tracesim.SdkOracle DIR
 *
 * Reads DIR/ids.bin (16-byte big-endian trace ids) and DIR/ratios.txt (one ratio a line) and
 * writes, one byte per (ratio, id), ratio-major, 1 = RECORD_AND_SAMPLE:
 *   DIR/java.decisions             Sampler.traceIdRatioBased(ratio) (opentelemetry-sdk-trace)
 *   DIR/java-consistent.decisions  CompositeSampler.wrap(ComposableSampler.probability(ratio))
 *                                  (opentelemetry-sdk-extension-incubator, OTEP 235 thresholds)
 *   DIR/java-consistent.tracestates  per ratio, "ot=<value>" of the first kept span's updated
 *                                  tracestate, or "-" when no span was kept.
 */
package tracesim;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.extension.incubator.trace.samplers.ComposableSampler;
import io.opentelemetry.sdk.extension.incubator.trace.samplers.CompositeSampler;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public final class SdkOracle {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SdkOracle() {}

  static String[] readIds(Path path) throws IOException {
    byte[] raw = Files.readAllBytes(path);
    if (raw.length % 16 != 0) {
      throw new IOException(path + ": size " + raw.length + " is not a multiple of 16");
    }
    String[] ids = new String[raw.length / 16];
    char[] buf = new char[32];
    for (int i = 0; i < ids.length; i++) {
      for (int j = 0; j < 16; j++) {
        int b = raw[16 * i + j] & 0xff;
        buf[2 * j] = HEX[b >>> 4];
        buf[2 * j + 1] = HEX[b & 0xf];
      }
      ids[i] = new String(buf);
    }
    return ids;
  }

  static List<Double> readRatios(Path path) throws IOException {
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(Double.parseDouble(line.trim()));
      }
    }
    return out;
  }

  interface SamplerFactory {
    Sampler make(double ratio);
  }

  static void decide(String[] ids, List<Double> ratios, SamplerFactory factory, Path decisions,
      Path tracestates) throws IOException {
    byte[] out = new byte[ids.length * ratios.size()];
    List<String> states = new ArrayList<>();
    Context root = Context.root();
    Attributes attrs = Attributes.empty();
    List<LinkData> links = Collections.emptyList();
    int k = 0;
    for (double r : ratios) {
      Sampler s = factory.make(r);
      String state = "-";
      for (String id : ids) {
        SamplingResult res = s.shouldSample(root, id, "oracle", SpanKind.INTERNAL, attrs, links);
        boolean kept = res.getDecision() == SamplingDecision.RECORD_AND_SAMPLE;
        out[k++] = (byte) (kept ? 1 : 0);
        if (kept && state.equals("-")) {
          String ot = res.getUpdatedTraceState(TraceState.getDefault()).get("ot");
          state = ot == null ? "(no ot)" : "ot=" + ot;
        }
      }
      states.add(state);
    }
    Files.write(decisions, out);
    if (tracestates != null) {
      Files.write(tracestates, states, StandardCharsets.UTF_8);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SdkOracle DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    String[] ids = readIds(dir.resolve("ids.bin"));
    List<Double> ratios = readRatios(dir.resolve("ratios.txt"));
    decide(ids, ratios, Sampler::traceIdRatioBased, dir.resolve("java.decisions"), null);
    decide(ids, ratios, r -> CompositeSampler.wrap(ComposableSampler.probability(r)),
        dir.resolve("java-consistent.decisions"), dir.resolve("java-consistent.tracestates"));
  }
}
