// Files compiled into the binary (built-in topologies and scenarios); see cmake/embed.cmake.
#ifndef TRACESIM_SIM_EMBEDDED_H_
#define TRACESIM_SIM_EMBEDDED_H_

#include <cstddef>
#include <string_view>

namespace tracesim::sim {

// A table of these ends with {nullptr, nullptr, 0}.
struct EmbeddedFile {
  const char* name;  // path relative to the repository folder it came from ("checkout.yaml")
  const char* data;
  size_t size;
};

// Returns the file named `name` in `table`, or nullptr.
inline const EmbeddedFile* FindEmbedded(const EmbeddedFile* table, std::string_view name) {
  for (const EmbeddedFile* f = table; f->name != nullptr; ++f)
    if (name == f->name) return f;
  return nullptr;
}

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_EMBEDDED_H_
