// Messaging: publishing to a topic and delivering to its consumer groups. A kPublish step
// starts the PRODUCER span, waits for the broker's ack (the span ends and the frame resumes),
// and the message reaches every consumer operation of the topic after the delivery latency as a
// new request (CONSUMER span linked to the producer). A broken-propagation fault at the publish
// drops the context: each consumer then starts a fragment trace that inherits the faults that
// had touched the producer's trace at the publish. Consumer-lag faults delay the delivery.
//
// A message in flight holds one reference on its trace. Single-threaded (sim/kernel/kernel.h).
#ifndef TRACESIM_SIM_MESSAGING_H_
#define TRACESIM_SIM_MESSAGING_H_

#include <cstdint>

#include "sim/kernel/index_pool.h"
#include "sim/model/model.h"

namespace tracesim::sim {

struct Kernel;

struct Message {
  uint32_t trace = kNone;
  uint32_t topic = kNone;
  uint64_t producer_span_id = 0;
  uint32_t producer_index = kNone;
  uint32_t broken_fault = kNone;  // the context was dropped by this fault (consumers start anew)
  uint64_t origin_faults = 0;     // with broken_fault: the trace's touched set when it was dropped
};

class Messaging {
 public:
  explicit Messaging(Kernel& k);

  // Runs frame f's kPublish step to `topic` (the frame resumes at the ack).
  void Publish(uint32_t f, uint32_t topic);
  // The broker acknowledged frame f's publish (event kEvProducerAck).
  void OnProducerAck(uint32_t f);
  // Message `msg` reaches its consumers (event kEvDeliver).
  void OnDeliver(uint32_t msg);

 private:
  Kernel& k_;
  IndexPool<Message> messages_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_MESSAGING_H_
