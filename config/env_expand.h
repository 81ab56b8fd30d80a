// Environment-variable expansion in configuration files, exactly as the OpenTelemetry
// Collector's confmap does it.
//
// Followed: opentelemetry-collector confmap v1.x as shipped with Collector v0.11x (the resolver
// with a default "env" scheme, confmap/expand.go findURI/findAndExpandURI, resolver.go
// escapeDollarSigns, confmap/provider/envprovider with the ":-" default), read in December 2026.
// The rules (doc/scenario.md#environment-variables):
//   - Only values are expanded, recursively through maps and lists; keys never are.
//   - `${env:NAME}` and `${NAME}` (no scheme: the default scheme env) are replaced by the
//     variable; `${env:NAME:-default}` uses `default` when NAME is unset (not when it is empty).
//   - The innermost reference closing first is expanded first, and the result is expanded again
//     (up to 1000 rounds, then "too many recursive expansions"), so a variable may hold a
//     reference.
//   - A reference preceded by an odd number of `$` is escaped and, as upstream, ends the search
//     in that value (later references in the same string stay as written). After expansion every
//     `$$` in a string becomes `$` ("$${env:X}" -> "${env:X}", "a$$b" -> "a$b").
//   - A value that is exactly one reference takes the variable's YAML type ("8080" -> an int,
//     "{a: 1}" -> a map, unset -> null); a reference inside a longer string is replaced as text,
//     and a map or list there is an error.
//   - An unset variable without a default expands to nothing and is a *warning* naming it
//     (upstream logs "Configuration references unset environment variable"); the value then
//     usually fails its own check. Errors: a name not matching ^[a-zA-Z_][a-zA-Z0-9_]*$, a scheme
//     other than env (upstream's file:, http: ... are not supported here), a malformed reference
//     ("invalid uri"), a `$` inside a reference.
// `$VAR` without braces is not expanded (the deprecated expandconverter did; current confmap
// does not). Thread-safe if `lookup` is.
#ifndef TRACESIM_CONFIG_ENV_EXPAND_H_
#define TRACESIM_CONFIG_ENV_EXPAND_H_

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"

namespace tracesim::config {

// The value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// getenv(3).
EnvLookup ProcessEnv();

// The expansion of one string value.
struct Expanded {
  std::string text;                // the resulting text (with `$$` unescaped)
  bool whole = false;              // the value was exactly one reference: text takes its YAML type
  bool null = false;               // whole && the variable was unset with no default
  std::vector<std::string> unset;  // variables referenced while unset (no default), in order
};

// Expands one value. Errors carry upstream's wording, e.g.
// `environment variable "1A" has invalid name: must match regex ^[a-zA-Z_][a-zA-Z0-9_]*$`.
sim::Result<Expanded> ExpandString(std::string_view value, const EnvLookup& lookup);

// Expands every scalar value under `root` in place. Problems (errors and unset-variable
// warnings) go to `diag` at the scalar's position and key path. Returns false on an error.
bool ExpandEnv(YAML::Node& root, Diagnostics& diag, const EnvLookup& lookup);

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_ENV_EXPAND_H_
