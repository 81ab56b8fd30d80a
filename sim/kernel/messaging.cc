#include "sim/kernel/messaging.h"

#include "sim/kernel/kernel.h"

namespace tracesim::sim {

Messaging::Messaging(Kernel& k) : k_(k) {}

void Messaging::Publish(uint32_t f, uint32_t topic_index) {
  Frame& fr = k_.frames[f];
  const Topic& topic = k_.model.topics[topic_index];
  uint32_t t = fr.trace;
  uint32_t span = k_.traces.StartSpan(
      t, SpanKind::kProducer, fr.service, fr.instance, fr.op, topic.producer_span_name, fr.span,
      k_.traces.SpanIdOf(t, fr.span), false, topic.producer_attrs, {});
  k_.traces[t].spans[span].peer = topic.broker;
  Duration ack = topic.publish_latency.SampleDuration(k_.traces.draws(t));
  Duration deliver = topic.delivery_latency.SampleDuration(k_.traces.draws(t));
  Frame& fr2 = k_.frames[f];
  uint32_t broken = k_.faults.has_broken(fr2.service)
                        ? k_.faults.Fires(Fault::Kind::kBrokenPropagation, fr2.service, fr2.op,
                                          fr2.instance, k_.now, k_.traces.fault_rng(t))
                        : kNone;
  uint32_t msg = messages_.Alloc();
  // The context is lost now, at the publish: the consumers' fragments inherit the faults that
  // touched the trace so far, not those that touch it while the message is in flight.
  messages_[msg] = Message{t,    topic_index, k_.traces[t].spans[span].span_id,
                           span, broken,      broken == kNone ? 0 : k_.traces[t].truth.fault_mask};
  k_.traces.Ref(t);
  k_.queue.Push(k_.now + ack + deliver, kEvDeliver, msg);
  Frame& fr3 = k_.frames[f];
  fr3.wait_span = span;
  fr3.pc++;
  fr3.running = false;
  k_.queue.Push(k_.now + ack, kEvProducerAck, f);
}

void Messaging::OnProducerAck(uint32_t f) {
  Frame& fr = k_.frames[f];
  uint32_t span = fr.wait_span;
  fr.wait_span = kNone;
  k_.traces.EndSpan(fr.trace, span);
  k_.frames.Run(f);
}

void Messaging::OnDeliver(uint32_t msg) {
  Message mm = messages_[msg];
  messages_.Free(msg);
  const Topic& topic = k_.model.topics[mm.topic];
  TraceId producer_trace = k_.traces[mm.trace].id;
  for (uint32_t op : topic.consumers) {
    uint32_t consumer_service = k_.model.operations[op].service;
    uint32_t t = mm.broken_fault == kNone
                     ? mm.trace
                     : k_.traces.StartFragment(mm.trace, op, mm.broken_fault, mm.origin_faults);
    uint32_t r = k_.services.NewRequest(t, op);
    Request& q = k_.services.request(r);
    if (mm.broken_fault == kNone) {
      q.parent_span_id = mm.producer_span_id;
      q.parent_index = mm.producer_index;
    } else {
      q.entry = true;
    }
    // Without the context the consumer has nothing to link to either.
    q.link_span_id = mm.broken_fault == kNone ? mm.producer_span_id : 0;
    q.link_trace_id = producer_trace;
    uint32_t lag =
        k_.faults.any(consumer_service)
            ? k_.faults.Active(Fault::Kind::kConsumerLag, consumer_service, op, kNone, k_.now)
            : kNone;
    if (lag != kNone && !k_.faults.at(lag).extra_latency.IsZero()) {
      k_.traces.Touch(t, lag);
      Duration extra = k_.faults.at(lag).extra_latency.SampleDuration(k_.traces.fault_rng(t));
      k_.queue.Push(k_.now + extra, kEvRequestArrive, r);
    } else {
      k_.services.Arrive(r);
    }
  }
  k_.traces.Unref(mm.trace);
}

}  // namespace tracesim::sim
