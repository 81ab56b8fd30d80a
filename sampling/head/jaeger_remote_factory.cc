#include "sampling/head/jaeger_remote_factory.h"

#include <string>

namespace tracesim::sampling {

JaegerRemoteOptions JaegerRemoteOptionsFrom(const JaegerRemoteConfig& config,
                                            std::string_view service) {
  JaegerRemoteOptions o;
  o.service_name = std::string(service);
  o.initial_sampling_rate = config.initial_sampling_rate;
  o.polling_interval = sim::Duration::Millis(config.polling_interval_ms);
  return o;
}

sim::Result<std::unique_ptr<Sampler>> MakeJaegerRemoteHeadSampler(const JaegerRemoteConfig& config,
                                                                  std::string_view service) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  JaegerRemoteOptions o = JaegerRemoteOptionsFrom(config, service);
  TRACESIM_RETURN_IF_ERROR(o.Validate());
  return std::unique_ptr<Sampler>(MakeJaegerRemoteSampler(o));
}

void RegisterJaegerRemoteHeadFactory() {
  RegisterJaegerRemoteFactory(&MakeJaegerRemoteHeadSampler);
}

}  // namespace tracesim::sampling
