// The topology compiler: YAML -> validated, finalized sim::Model. See doc/topology.md.
//
// Three passes over the document: (1) generators, then every service, dependency, operation and
// topic is declared so references can point forward; (2) each is built, resolving references and
// precomputing semantic-convention attributes; (3) whole-model checks (call cycles, calls to
// consumer operations, topic consumers). Problems are collected, never thrown, and reported
// together, sorted by position.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/yaml_load.h"
#include "topologies/compiler.h"
#include "topologies/topology.h"

namespace tracesim::sim {
extern const EmbeddedFile kBuiltinTopologies[];
}  // namespace tracesim::sim

namespace tracesim::topologies {
namespace {

using compiler::Fields;
using compiler::kTopKeys;
using compiler::Need;
using compiler::ServiceDecl;
using compiler::Show;
using compiler::Val;
using sim::kNone;
using sim::Model;
using sim::Status;

// Owns the state before the Pass base binds to it (base-from-member).
struct StateHolder {
  explicit StateHolder(const std::string& source) : state_(source) {}
  compiler::CompileState state_;
};

// Runs the passes over one document.
class Compiler : private StateHolder, private compiler::Pass {
 public:
  explicit Compiler(const std::string& source) : StateHolder(source), Pass(state_) {}

  sim::Result<Model> Run(std::string_view yaml) {
    std::optional<YAML::Node> loaded = config::LoadYaml(yaml, diag_);
    if (!loaded) return Status::InvalidArgument(diag_.ErrorText());
    const YAML::Node root = *loaded;
    try {
      Compile(root);
    } catch (const std::exception& e) {  // yaml-cpp may throw on odd documents; never escape
      return Status::Internal(m_.source + ": topology compiler failed: " + e.what());
    }
    if (diag_.has_errors()) return Status::InvalidArgument(diag_.ErrorText());
    m_.Finalize();
    return std::move(m_);
  }

 private:
  // ---- top level -----------------------------------------------------------------------------

  void Compile(const YAML::Node& root) {
    Val top{root, "", 1, 1};
    if (!root.IsMap()) {
      r_.Error(top, root.IsNull() ? "empty topology: expected a mapping with 'services'"
                                  : "a topology is a mapping with 'services', got " + Show(root));
      return;
    }
    Fields f(diag_, top, &kTopKeys);
    if (const Val* v = f.Get("name")) Str(*v);
    if (const Val* v = f.Get("description")) Str(*v);
    if (const Val* v = f.Get("environment"))
      if (auto x = Str(*v)) environment_ = *x;
    if (const Val* v = f.Get("network_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) default_net_ = *d;
    if (const Val* v = f.Get("generators")) compiler::ParseGenerators(state_, *v);

    const Val* services = f.Get("services");
    if (services == nullptr) {
      r_.Error(top, "empty topology: missing required key 'services'");
    } else {
      compiler::Declare(state_, *services, false);
      if (services->node.IsSequence() && services->node.size() == 0)
        r_.Error(*services, "empty topology: at least one service is required");
    }
    if (const Val* v = f.Get("dependencies")) compiler::Declare(state_, *v, true);

    consumes_.assign(m_.operations.size(), kNone);
    broker_system_.assign(m_.services.size(), sim::kEmptyStr);
    // Dependencies first: consumers need their broker's messaging.system.
    for (const ServiceDecl& d : decls_)
      if (d.dependency) compiler::BuildDependency(state_, d);
    for (const ServiceDecl& d : decls_)
      if (!d.dependency) compiler::BuildService(state_, d);

    compiler::CheckCalls(state_);
    compiler::CheckCycles(state_);
    for (uint32_t i = 0; i < m_.operations.size(); ++i)
      if (consumes_[i] != kNone) m_.topics[consumes_[i]].consumers.push_back(i);
  }
};

}  // namespace

sim::Result<sim::Model> LoadTopologyYaml(std::string_view yaml, const std::string& source_name) {
  return Compiler(source_name).Run(yaml);
}

sim::Result<sim::Model> LoadTopologyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    return Status::IoError(path + ": is a directory, not a topology file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed: " + std::strerror(errno));
  return LoadTopologyYaml(text.str(), path);
}

const sim::EmbeddedFile* FindBuiltinTopology(std::string_view name) {
  return sim::FindEmbedded(sim::kBuiltinTopologies, name);
}

sim::Result<sim::Model> LoadBuiltinTopology(const sim::EmbeddedFile& builtin,
                                            const std::string& source_name) {
  static std::mutex mu;
  static std::map<const sim::EmbeddedFile*, sim::Model> compiled;  // GUARDED_BY(mu)
  std::lock_guard<std::mutex> lock(mu);
  auto it = compiled.find(&builtin);
  if (it == compiled.end()) {
    sim::Result<sim::Model> m =
        LoadTopologyYaml(std::string_view(builtin.data, builtin.size), source_name);
    if (!m.ok()) return m.status();  // not cached: a built-in that fails, fails every time
    it = compiled.emplace(&builtin, std::move(m).value()).first;
  }
  sim::Model copy = it->second.Clone();
  copy.source = source_name;
  return copy;
}

std::vector<std::string> BuiltinTopologyNames() {
  std::vector<std::string> names;
  for (const sim::EmbeddedFile* f = sim::kBuiltinTopologies; f->name != nullptr; ++f)
    names.emplace_back(f->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tracesim::topologies
