#include "cli/base/flags.h"

#include <algorithm>
#include <ostream>

#include "sim/base/suggest.h"

namespace tracesim::cli {
namespace po = boost::program_options;

bool ParseFlags(const std::string& command, const std::vector<std::string>& args,
                const po::options_description& desc, const po::positional_options_description* pos,
                po::variables_map* vm, std::ostream& err) {
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    po::command_line_parser parser(args);
    parser.options(desc).style(style);
    if (pos != nullptr) parser.positional(*pos);
    po::store(parser.run(), *vm);
    po::notify(*vm);
    return true;
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    std::string bare = name;
    while (!bare.empty() && bare.front() == '-') bare.erase(0, 1);
    std::vector<std::string> flags;
    for (const auto& o : desc.options()) flags.push_back(o->long_name());
    // A prefix is never guessed, but when it names one flag that is what the user most likely
    // meant (receive --dur: --duration, though --out is fewer edits away); else the closest name.
    std::string hint;
    size_t prefixed = 0;
    for (const std::string& f : flags) {
      if (!bare.empty() && f.starts_with(bare)) {
        hint = f;
        ++prefixed;
      }
    }
    if (prefixed != 1) hint = sim::ClosestMatch(bare, flags);
    err << "tracesim " << command << ": unrecognised option '" << name << "'";
    if (!hint.empty()) err << " (did you mean '--" << hint << "'?)";
    err << "\nTry 'tracesim " << command << " --help'.\n";
    return false;
  } catch (const po::error& e) {
    err << "tracesim " << command << ": " << e.what() << "\nTry 'tracesim " << command
        << " --help'.\n";
    return false;
  }
}

std::string FlagHelp(const po::options_description& desc, const std::vector<std::string>& hidden) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const auto& o : desc.options()) {
    const std::string& name = o->long_name();
    if (std::find(hidden.begin(), hidden.end(), name) != hidden.end()) continue;
    std::string left = "  ";
    std::string shorty = o->canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (shorty.size() == 2 && shorty[0] == '-') left += shorty + ", ";
    left += "--" + name;
    if (o->semantic()->max_tokens() > 0) left += " VALUE";
    width = std::max(width, left.size());
    rows.emplace_back(left, o->description());
  }
  std::string s;
  for (const auto& [left, text] : rows) {
    s += left + std::string(width + 2 - left.size(), ' ');
    // Continuation lines of a long description line up under its first line.
    for (char c : text) {
      s += c;
      if (c == '\n') s += std::string(width + 2, ' ');
    }
    s += "\n";
  }
  return s;
}

}  // namespace tracesim::cli
