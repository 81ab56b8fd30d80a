#include "sim/base/huge_pages.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tracesim::sim {
namespace {

// The VmFlags line of the mapping in /proc/self/smaps that holds `p`; empty when not found.
std::string VmFlagsOf(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= addr && addr < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

TEST(HugePagesTest, SmallTablesAreOrdinaryMemory) {
  std::vector<uint64_t, HugePageAllocator<uint64_t>> v(1000, 7);
  v.push_back(8);
  EXPECT_EQ(v[999], 7u);
  EXPECT_EQ(v.back(), 8u);
}

TEST(HugePagesTest, LargeTablesAreAlignedAdvisedAndKeepTheirContents) {
  std::vector<uint64_t, HugePageAllocator<uint64_t>> v;
  for (uint64_t i = 0; i < (uint64_t{3} << 20); ++i) v.push_back(i * 3);  // grows past 2 MiB
  for (uint64_t i = 0; i < v.size(); i += 4099) ASSERT_EQ(v[i], i * 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  struct stat st;
  if (stat("/sys/kernel/mm/transparent_hugepage", &st) != 0)
    GTEST_SKIP() << "no transparent huge pages on this kernel";
  // MADV_HUGEPAGE shows as "hg" in the mapping's flags.
  EXPECT_NE(VmFlagsOf(v.data()).find(" hg"), std::string::npos) << VmFlagsOf(v.data());
}

}  // namespace
}  // namespace tracesim::sim
