// Plugs JaegerRemoteSampler into the head-sampler config (head_config.h): the factory that
// BuildHeadSampler() calls for `jaeger_remote` and `parentbased_jaeger_remote`.
//
// Call RegisterJaegerRemoteHeadFactory() once at start-up (the CLI or a scenario loader). The
// built sampler is a JaegerRemoteSampler running its initial TraceIDRatioBased sampler; the
// simulation feeds it strategies with JaegerRemoteSampler::Update() every polling interval.
#ifndef TRACESIM_SAMPLING_JAEGER_REMOTE_FACTORY_H_
#define TRACESIM_SAMPLING_JAEGER_REMOTE_FACTORY_H_

#include <memory>
#include <string_view>

#include "sampling/head/head_config.h"
#include "sampling/jaeger/jaeger_remote.h"

namespace tracesim::sampling {

// JaegerRemoteOptions from the head config's settings (endpoint is not modelled).
JaegerRemoteOptions JaegerRemoteOptionsFrom(const JaegerRemoteConfig& config,
                                            std::string_view service);
// The JaegerRemoteFactory: validates the config and builds a JaegerRemoteSampler.
sim::Result<std::unique_ptr<Sampler>> MakeJaegerRemoteHeadSampler(const JaegerRemoteConfig& config,
                                                                  std::string_view service);
// Registers MakeJaegerRemoteHeadSampler as the process-wide Jaeger remote factory.
void RegisterJaegerRemoteHeadFactory();

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_JAEGER_REMOTE_FACTORY_H_
