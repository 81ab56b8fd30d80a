#include "reports/text/truth_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "exporter/encoding/otlp_json.h"
#include "sim/model/span.h"

namespace tracesim::reports {
namespace {

void AppendEscaped(std::string_view s, std::string* out) {
  out->push_back('"');
  exporter::AppendJsonEscaped(s, out);
  out->push_back('"');
}

void AppendTraceId(const sim::TraceId& id, std::string* out) {
  char hex[32];
  sim::TraceIdToHex(id, hex);
  out->push_back('"');
  out->append(hex, 32);
  out->push_back('"');
}

void AppendMs(int64_t ns, std::string* out) {
  // Exact decimal milliseconds with up to 6 decimals (no float rounding).
  if (ns < 0) {
    out->push_back('-');
    ns = -ns;
  }
  *out += std::to_string(ns / 1000000);
  int64_t frac = ns % 1000000;
  if (frac) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    *out += f;
  }
}

}  // namespace

void TruthFileSink::AppendRecord(const sim::Model& m, const sim::FaultPlan* plan,
                                 int64_t start_unix_nanos, const sim::TraceView& v,
                                 std::string* out) {
  const sim::TraceTruth& t = *v.truth;
  auto b = [&](const char* key, bool value) {
    *out += ",\"";
    *out += key;
    *out += value ? "\":true" : "\":false";
  };
  auto n = [&](const char* key, uint64_t value) {
    *out += ",\"";
    *out += key;
    *out += "\":" + std::to_string(value);
  };
  *out += "{\"trace_id\":";
  AppendTraceId(v.trace_id, out);
  n("sequence", t.sequence);
  *out +=
      ",\"start_time_unix_nano\":\"" + std::to_string(start_unix_nanos + t.start.nanos()) + "\"";
  *out += ",\"latency_ms\":";
  AppendMs(t.latency().nanos(), out);
  b("error", t.error);
  b("root_error", t.root_error);
  n("error_spans", t.error_spans);
  *out += ",\"faults\":[";
  bool first = true;
  if (plan != nullptr) {
    for (size_t i = 0; i < plan->faults.size(); ++i) {
      if (!(t.fault_mask >> i & 1)) continue;
      if (!first) out->push_back(',');
      first = false;
      AppendEscaped(plan->faults[i].id, out);
    }
  }
  *out += "]";
  *out += ",\"root_cause\":";
  if (t.root_cause_service == sim::kNone) {
    *out += "null";
  } else {
    *out += "{\"service\":";
    AppendEscaped(m.strings.Get(m.services[t.root_cause_service].name), out);
    *out += ",\"operation\":";
    if (t.root_cause_operation == sim::kNone) {
      *out += "null";
    } else {
      AppendEscaped(m.strings.Get(m.operations[t.root_cause_operation].name), out);
    }
    *out += "}";
  }
  *out += ",\"entry\":";
  if (t.entry_operation == sim::kNone) {
    *out += "null";
  } else {
    AppendEscaped(m.OperationRef(t.entry_operation), out);
  }
  char shape[20];
  std::snprintf(shape, sizeof shape, "%016llx", static_cast<unsigned long long>(t.shape));
  *out += ",\"shape\":\"";
  *out += shape;
  *out += "\"";
  b("fragment", t.fragment);
  b("fragmented", t.fragmented);
  if (t.fragment) {
    *out += ",\"parent_trace_id\":";
    AppendTraceId(t.parent_trace_id, out);
  }
  n("spans", t.spans);
  n("exported_spans", v.spans.size());
  n("lost_spans", t.lost_spans);
  n("retries", t.retries);
  n("timeouts", t.timeouts);
  *out += "}";
}

TruthFileSink::TruthFileSink(std::string path, FILE* f, bool owned, const sim::Model& model,
                             const sim::FaultPlan* plan, int64_t start)
    : path_(std::move(path)), file_(f), owned_(owned), model_(model), plan_(plan), start_(start) {}

TruthFileSink::~TruthFileSink() { (void)Close(); }

sim::Result<std::unique_ptr<TruthFileSink>> TruthFileSink::Open(const std::string& path,
                                                                const sim::Model& model,
                                                                const sim::FaultPlan* plan,
                                                                int64_t start) {
  if (path == "-")
    return std::unique_ptr<TruthFileSink>(
        new TruthFileSink(path, stdout, false, model, plan, start));
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !std::filesystem::is_directory(p.parent_path(), ec)) {
    return sim::Status::NotFound(path + ": the directory " + p.parent_path().string() +
                                 " does not exist");
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return sim::Status::IoError(path + ": cannot open for writing: " + std::strerror(errno));
  return std::unique_ptr<TruthFileSink>(new TruthFileSink(path, f, true, model, plan, start));
}

void TruthFileSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (closed_ || failed_ || trace.truth == nullptr) return;
  line_.clear();
  AppendRecord(model_, plan_, start_, trace, &line_);
  line_.push_back('\n');
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) failed_ = true;
}

sim::Status TruthFileSink::Close() {
  if (closed_) return failed_ ? sim::Status::IoError(path_ + ": write failed") : sim::Status::Ok();
  closed_ = true;
  bool ok = std::fflush(file_) == 0 && !failed_;
  if (owned_) ok = std::fclose(file_) == 0 && ok;
  if (!ok) {
    failed_ = true;
    return sim::Status::IoError(path_ + ": write failed: " + std::strerror(errno));
  }
  return sim::Status::Ok();
}

}  // namespace tracesim::reports
