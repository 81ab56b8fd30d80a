// sdk_oracle: the C++ side of the SDK sampler oracle (peers/sdk/README.md).
//   sdk_oracle ids DIR                        write DIR/ids.bin and DIR/ratios.txt
//   sdk_oracle remote-cases DIR               write the Java remote sampler cases
//   sdk_oracle compare-remote DIR DECISIONS   compare Java's remote sampler decisions
//   sdk_oracle compare SDK DIR DECISIONS [TS]  compare an SDK's decisions (and, for
//                                             java-consistent, its tracestates file TS) with
//                                             tracesim's; exit 1 on any difference
// SDK: go | java | python | java-consistent.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "peers/sdk/jaeger_remote_oracle.h"
#include "peers/sdk/sdk_oracle.h"

namespace tp = tracesim::peers_sdk;

namespace {

int Fail(const tracesim::sim::Status& s) {
  std::fprintf(stderr, "sdk_oracle: %s\n", s.message().c_str());
  return 2;
}

int WriteInputs(const std::string& dir) {
  const std::vector<double> ratios = tp::OracleRatios();
  const std::vector<tracesim::sim::TraceId> ids = tp::OracleIds(ratios);
  tracesim::sim::Status s = tp::WriteIds(dir + "/ids.bin", ids);
  if (s.ok()) s = tp::WriteRatios(dir + "/ratios.txt", ratios);
  if (!s.ok()) return Fail(s);
  std::printf("sdk_oracle: %zu ids (%zu SplitMix64 + %zu edge), %zu ratios in %s\n", ids.size(),
              tp::kRandomIdCount, ids.size() - tp::kRandomIdCount, ratios.size(), dir.c_str());
  return 0;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream f(path);
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

int RunCompare(const std::string& sdk_name, const std::string& dir, const std::string& decisions,
               const std::string& tracestates) {
  tp::OracleSdk sdk;
  if (!tp::ParseOracleSdk(sdk_name, &sdk)) {
    return Fail(tracesim::sim::Status::InvalidArgument("unknown sdk " + sdk_name));
  }
  auto ids = tp::ReadIds(dir + "/ids.bin");
  if (!ids.ok()) return Fail(ids.status());
  auto ratios = tp::ReadRatios(dir + "/ratios.txt");
  if (!ratios.ok()) return Fail(ratios.status());
  std::ifstream f(decisions, std::ios::binary);
  if (!f) return Fail(tracesim::sim::Status::IoError("cannot read " + decisions));
  std::vector<uint8_t> theirs((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
  const std::vector<std::string> ts =
      tracestates.empty() ? std::vector<std::string>{} : ReadLines(tracestates);
  auto cmp = tp::Compare(sdk, *ratios, *ids, theirs, ts);
  if (!cmp.ok()) return Fail(cmp.status());
  uint64_t compared = 0, identical = 0;
  bool ok = true;
  for (const tp::RatioAgreement& a : *cmp) {
    compared += a.compared;
    identical += a.identical;
    bool ts_ok = a.sdk_tracestate == a.tracesim_tracestate;
    ok = ok && ts_ok && a.compared == a.identical;
    std::printf(
        "%-15s ratio %-22.17g kept %8" PRIu64 "  decisions %8" PRIu64 "  identical %8" PRIu64
        "%s%s\n",
        sdk_name.c_str(), a.ratio, a.sdk_kept, a.compared, a.identical,
        sdk == tp::OracleSdk::kConsistent ? "  " : "",
        sdk == tp::OracleSdk::kConsistent
            ? (a.sdk_tracestate + (ts_ok ? " (same)" : " != tracesim " + a.tracesim_tracestate))
                  .c_str()
            : "");
    for (const std::string& d : a.first_differences) std::printf("    differs: %s\n", d.c_str());
  }
  std::printf("%s: %zu ratios x %zu ids: %" PRIu64 " decisions compared, %" PRIu64 " identical%s\n",
              sdk_name.c_str(), ratios->size(), ids->size(), compared, identical,
              ok ? "" : "  MISMATCH");
  return ok ? 0 : 1;
}

// java-remote.decisions against tracesim's JaegerRemoteSampler (Java), case by case.
int RunCompareRemote(const std::string& dir, const std::string& decisions) {
  auto r = tracesim::peers_sdk::CompareRemote(dir, decisions);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  bool ok = true;
  uint64_t compared = 0, identical = 0;
  for (const auto& a : *r) {
    compared += a.compared;
    identical += a.identical;
    ok = ok && a.compared == a.identical;
    std::printf("java-remote %-28s java kept %7" PRIu64 "  compared %8" PRIu64
                "  identical %8" PRIu64 "\n",
                a.name.c_str(), a.java_kept, a.compared, a.identical);
    for (const std::string& d : a.first_differences) std::printf("  differs: %s\n", d.c_str());
  }
  std::printf("java-remote: %zu cases: %" PRIu64 " decisions compared, %" PRIu64 " identical%s\n",
              r->size(), compared, identical, ok ? "" : "  MISMATCH");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "ids") return WriteInputs(args[1]);
  if (args.size() == 2 && args[0] == "remote-cases") {
    tracesim::sim::Status st = tracesim::peers_sdk::WriteRemoteCases(args[1]);
    if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return st.ok() ? 0 : 1;
  }
  if (args.size() == 3 && args[0] == "compare-remote") return RunCompareRemote(args[1], args[2]);
  if ((args.size() == 4 || args.size() == 5) && args[0] == "compare") {
    return RunCompare(args[1], args[2], args[3], args.size() == 5 ? args[4] : "");
  }
  std::fprintf(stderr,
               "usage: sdk_oracle ids DIR | sdk_oracle compare go|java|python|java-consistent "
               "DIR DECISIONS [TRACESTATES] | sdk_oracle remote-cases DIR | sdk_oracle "
               "compare-remote DIR DECISIONS\n");
  return 2;
}
