// Test skips for the sanitizer builds (sanitize/README.md). Header-only, for tests.
//
// TRACESIM_SKIP_GRPC_UNDER_TSAN(): a test that makes or serves gRPC calls skips in the
// ThreadSanitizer build, naming why. gRPC 1.51 from Debian is not built with TSan, and its C++
// callback API (header code compiled into tracesim) hands call objects from thread to thread
// through gRPC core's completion queues, where TSan cannot see the synchronisation: such tests
// get reports inside grpcpp, at random. They run in the release and ASan builds; the threads of
// tracesim's own code are checked by the tests that do not go through gRPC.
#ifndef TRACESIM_SIM_BASE_SANITIZER_SKIPS_H_
#define TRACESIM_SIM_BASE_SANITIZER_SKIPS_H_

#include <gtest/gtest.h>

#if defined(__SANITIZE_THREAD__)
#define TRACESIM_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TRACESIM_UNDER_TSAN 1
#endif
#endif

#if defined(TRACESIM_UNDER_TSAN)
#define TRACESIM_SKIP_GRPC_UNDER_TSAN()                                                    \
  GTEST_SKIP() << "makes gRPC calls: gRPC from Debian is not built with ThreadSanitizer, " \
                  "which cannot see its synchronisation (sanitize/README.md)"
#else
#define TRACESIM_SKIP_GRPC_UNDER_TSAN() static_cast<void>(0)
#endif

#endif  // TRACESIM_SIM_BASE_SANITIZER_SKIPS_H_
