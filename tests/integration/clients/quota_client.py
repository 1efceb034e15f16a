"""python3-confluent-kafka (librdkafka 2.0.2) against a broker with byte-rate quotas: a producer
writes RECORDS records of RECORD_BYTES bytes as fast as it can (acks=all), then a consumer reads
them all back; each side counts the throttle times the broker's answers carried (throttle_cb)
and how long it took.

Usage: quota_client.py BOOTSTRAP TOPIC RECORDS RECORD_BYTES
Prints JSON facts on its last line.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic = sys.argv[1:3]
records, record_bytes = int(sys.argv[3]), int(sys.argv[4])
facts = {}


def throttles(into):
    return lambda event: into.append(event.throttle_time)


produce_throttles = []
delivered = []
# Many small requests (about 20 kB each), as a steady producer sends them.
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0,
              "batch.num.messages": 20, "batch.size": 32768,
              "throttle_cb": throttles(produce_throttles)})
started = time.time()
for i in range(records):
    while True:
        try:
            p.produce(topic, value=bytes([65 + i % 26]) * record_bytes,
                      on_delivery=lambda err, msg: delivered.append(err is None))
            break
        except BufferError:
            p.poll(0.1)
    p.poll(0)
facts["undelivered"] = p.flush(50)
facts["produce_seconds"] = time.time() - started
facts["delivered"] = sum(delivered)
p.poll(1)  # the last answers' throttle callbacks
facts["produce_throttles"] = len([t for t in produce_throttles if t > 0])

fetch_throttles = []
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "quota-reader",
              "auto.offset.reset": "earliest", "enable.auto.commit": False,
              "throttle_cb": throttles(fetch_throttles)})
c.subscribe([topic])
consumed = 0
started = time.time()
deadline = started + 50
while time.time() < deadline and consumed < records:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    consumed += 1
facts["consume_seconds"] = time.time() - started
facts["consumed"] = consumed
c.poll(1)
facts["fetch_throttles"] = len([t for t in fetch_throttles if t > 0])
c.close()
print(json.dumps(facts))
