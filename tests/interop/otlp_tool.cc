// interop_otlp_tool: test helper for the JS interop tests.
//
//   interop_otlp_tool to-protobuf IN.jsonl OUT.bin
//
// Reads OTLP/JSON lines (one ExportTraceServiceRequest each), parses them with the receiver's
// OTLP/JSON decoder into libprotobuf messages and writes each serialized request to OUT.bin as a
// 4-byte big-endian length followed by the bytes. Prints {"requests":N,"spans":M} on stdout.
// Exit 1 with "IN.jsonl:LINE: message" on a bad line, 2 on bad usage.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "receiver/otlp_codec.h"

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "to-protobuf") {
    std::cerr << "usage: interop_otlp_tool to-protobuf IN.jsonl OUT.bin\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    std::cerr << argv[2] << ": cannot open\n";
    return 1;
  }
  std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
  std::string line;
  uint64_t requests = 0, spans = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    tracesim::receiver::ExportRequest req;
    tracesim::sim::Status st = tracesim::receiver::ParseOtlpJson(line, &req);
    if (!st.ok()) {
      std::cerr << argv[2] << ":" << line_no << ": " << st.message() << "\n";
      return 1;
    }
    std::string bytes = req.SerializeAsString();
    unsigned char len[4] = {static_cast<unsigned char>(bytes.size() >> 24),
                            static_cast<unsigned char>(bytes.size() >> 16),
                            static_cast<unsigned char>(bytes.size() >> 8),
                            static_cast<unsigned char>(bytes.size())};
    out.write(reinterpret_cast<const char*>(len), 4);
    out << bytes;
    ++requests;
    spans += tracesim::receiver::CheckSpans(req).spans;
  }
  out.close();
  if (!out) {
    std::cerr << argv[3] << ": write failed\n";
    return 1;
  }
  std::cout << "{\"requests\":" << requests << ",\"spans\":" << spans << "}\n";
  return 0;
}
