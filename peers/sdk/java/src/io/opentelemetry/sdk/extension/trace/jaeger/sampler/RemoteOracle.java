/*
 * The real OpenTelemetry Java Jaeger remote sampler (opentelemetry-sdk-extension-jaeger-remote-
 * sampler 1.60.1) as an oracle for tracesim's JaegerRemoteSampler in its Java variant
 * (peers/sdk/README.md, "Java Jaeger remote sampler").
 *
 *   java -cp ... io.opentelemetry.sdk.extension.trace.jaeger.sampler.RemoteOracle DIR
 *
 * It sits in the sampler's package to reach what JaegerRemoteSampler does with a gRPC response:
 * SamplingStrategyResponseUnMarshaler.read(bytes), then the private updateSampler(response) (by
 * reflection); an exception keeps the initial sampler, parentBased(traceIdRatioBased(0.001)), as
 * onResponse does. Reads DIR/java-remote.cases ("NAME HEX"), DIR/java-remote.ops and the first
 * 100,000 ids of DIR/ids.bin; writes DIR/java-remote.decisions: per case, per operation, per id,
 * 1 = RECORD_AND_SAMPLE (a root span: no parent context).
 */
package io.opentelemetry.sdk.extension.trace.jaeger.sampler;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

public final class RemoteOracle {
  private static final int ID_COUNT = 100_000;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RemoteOracle() {}

  static Sampler update(byte[] payload) throws Exception {
    Sampler initial = Sampler.parentBased(Sampler.traceIdRatioBased(0.001));
    Method m =
        JaegerRemoteSampler.class.getDeclaredMethod(
            "updateSampler", SamplingStrategyResponse.class);
    m.setAccessible(true);
    try {
      SamplingStrategyResponse response = SamplingStrategyResponseUnMarshaler.read(payload);
      return (Sampler) m.invoke(null, response);
    } catch (IOException e) {
      return initial;
    } catch (InvocationTargetException e) {
      return initial;  // "unrecognized sampler type", or a ratio outside [0, 1]
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    byte[] raw = Files.readAllBytes(dir.resolve("ids.bin"));
    int n = Math.min(ID_COUNT, raw.length / 16);
    String[] ids = new String[n];
    char[] buf = new char[32];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 16; j++) {
        int b = raw[16 * i + j] & 0xff;
        buf[2 * j] = HEX[b >>> 4];
        buf[2 * j + 1] = HEX[b & 0xf];
      }
      ids[i] = new String(buf);
    }
    List<String> ops = Files.readAllLines(dir.resolve("java-remote.ops"), StandardCharsets.UTF_8);
    List<LinkData> links = Collections.emptyList();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : Files.readAllLines(dir.resolve("java-remote.cases"), StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      String hex = line.substring(line.lastIndexOf(' ') + 1);
      byte[] payload = new byte[hex.equals("-") ? 0 : hex.length() / 2];
      for (int i = 0; i < payload.length; i++) {
        payload[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
      }
      Sampler sampler = update(payload);
      System.out.println(line.substring(0, line.indexOf(' ')) + ": " + sampler.getDescription());
      for (String op : ops) {
        for (String id : ids) {
          boolean keep =
              sampler
                      .shouldSample(Context.root(), id, op, SpanKind.SERVER, Attributes.empty(), links)
                      .getDecision()
                  == SamplingDecision.RECORD_AND_SAMPLE;
          out.write(keep ? 1 : 0);
        }
      }
    }
    Files.write(dir.resolve("java-remote.decisions"), out.toByteArray());
  }
}
