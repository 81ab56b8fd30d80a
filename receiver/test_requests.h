// Test helper: builds OTLP ExportTraceServiceRequests with the generated protobuf classes.
#ifndef TRACESIM_RECEIVER_TEST_REQUESTS_H_
#define TRACESIM_RECEIVER_TEST_REQUESTS_H_

#include <cstdint>
#include <string>

#include "receiver/otlp_codec.h"

namespace tracesim::receiver::testing {

// `spans` spans over `resources` resources (one scope each), `spans_per_trace` spans per trace;
// ids are distinct and derived from `seed`.
inline ExportRequest MakeRequest(int spans, int resources = 1, int spans_per_trace = 1,
                                 uint64_t seed = 1) {
  ExportRequest req;
  auto id = [](uint64_t v, int bytes) {
    std::string s(bytes, '\0');
    for (int i = 0; i < bytes; ++i) s[bytes - 1 - i] = static_cast<char>((v >> (8 * (i % 8))) + i);
    s[0] = static_cast<char>(0x40 | (v & 0x3f));
    return s;
  };
  for (int r = 0; r < resources; ++r) {
    auto* rs = req.add_resource_spans();
    auto* attr = rs->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value("svc-" + std::to_string(r));
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("tracesim.test");
    for (int i = r; i < spans; i += resources) {
      auto* span = ss->add_spans();
      uint64_t trace = seed * 1000003 + static_cast<uint64_t>(i / spans_per_trace);
      span->set_trace_id(id(trace, 8) + id(trace * 7 + 1, 8));
      span->set_span_id(id(seed * 7919 + static_cast<uint64_t>(i) + 1, 8));
      if (i % spans_per_trace != 0) span->set_parent_span_id(id(seed * 7919 + i, 8));
      span->set_name("op-" + std::to_string(i));
      span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
      span->set_start_time_unix_nano(1700000000000000000ull + static_cast<uint64_t>(i) * 1000);
      span->set_end_time_unix_nano(1700000000000000000ull + static_cast<uint64_t>(i) * 1000 + 500);
      auto* a = span->add_attributes();
      a->set_key("http.request.method");
      a->mutable_value()->set_string_value("GET");
    }
  }
  return req;
}

}  // namespace tracesim::receiver::testing

#endif  // TRACESIM_RECEIVER_TEST_REQUESTS_H_
