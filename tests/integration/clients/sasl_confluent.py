"""python3-confluent-kafka (librdkafka 2.0.2) against a Herald Kafka listener that requires SASL
(SaslHandshake v1, then the tokens in SaslAuthenticate): first a producer whose password is wrong,
which must fail with an authentication error and deliver nothing; then an acks=all producer and a
consumer group that commits (FindCoordinator, JoinGroup, SyncGroup, heartbeats, OffsetCommit and
OffsetFetch all on authenticated connections); then the topic's end offset, which counts only the
records of the authenticated producer.

Usage: sasl_confluent.py BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD TOPIC [CA_PEM]
  PROTOCOL: sasl_plaintext, or sasl_ssl (CA_PEM is then the CA the client trusts).
  MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
Prints JSON facts on its last line.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

bootstrap, protocol, mechanism, user, password, topic = sys.argv[1:7]
ca = sys.argv[7] if len(sys.argv) > 7 else None
config = {"bootstrap.servers": bootstrap, "security.protocol": protocol,
          "sasl.mechanisms": mechanism, "sasl.username": user, "sasl.password": password}
if ca:
    config["ssl.ca.location"] = ca
facts = {}

# The right user with a wrong password: librdkafka reports _AUTHENTICATION (error_cb) and the
# record times out undelivered.
errors = set()
outcome = []
doomed = Producer(dict(config, **{"sasl.password": password + "-wr0ng",
                                  "message.timeout.ms": 3000,
                                  "error_cb": lambda err: errors.add(err.name())}))
doomed.produce(topic, value=b"intruder", on_delivery=lambda err, msg: outcome.append(err is None))
left = doomed.flush(10)
facts["wrong"] = {"delivered": sum(outcome), "failed": outcome.count(False) + left,
                  "errors": sorted(errors)}

# Ten records, each acknowledged by the broker (acks=all).
delivered = []
p = Producer(dict(config, acks="all"))
for i in range(10):
    p.produce(topic, key=b"k%d" % i, value=b"v%d" % i,
              on_delivery=lambda err, msg: delivered.append(err is None))
facts["undelivered"] = p.flush(30)
facts["delivered"] = sum(delivered)

# A group member reads them and commits.
c = Consumer(dict(config, **{"group.id": topic + "-group", "auto.offset.reset": "earliest",
                             "enable.auto.commit": False}))
c.subscribe([topic])
values = []
deadline = time.time() + 30
while time.time() < deadline and len(values) < 10:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    values.append(m.value().decode())
c.commit(asynchronous=False)
facts["consumed"] = values
facts["committed"] = [tp.offset for tp in c.committed([TopicPartition(topic, 0)], timeout=10)]
facts["end"] = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
c.close()

# Metadata through the admin client, authenticated too.
topics = AdminClient(config).list_topics(timeout=10).topics
facts["topics"] = sorted(t for t in topics if not t.startswith("__"))
print(json.dumps(facts))
