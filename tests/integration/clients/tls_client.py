"""python3-confluent-kafka (librdkafka 2.0.2) against Herald's TLS Kafka listener: an acks=all
producer and a consumer group that commits, all over TLS (so Metadata, FindCoordinator and the
group protocol are answered there); then a client speaking plaintext to the TLS listener and one
that trusts only another CA, which must both fail; and a last TLS client, served as before.

Usage: tls_client.py TLS_BOOTSTRAP CA_PEM OTHER_CA_PEM
Prints JSON facts on its last line.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

bootstrap, ca, other_ca = sys.argv[1:4]
tls = {"bootstrap.servers": bootstrap, "security.protocol": "ssl", "ssl.ca.location": ca}
facts = {}

# Ten records, each acknowledged by the broker (acks=all) over TLS.
delivered = []
p = Producer(dict(tls, acks="all"))
for i in range(10):
    p.produce("secure", key=b"k%d" % i, value=b"v%d" % i,
              on_delivery=lambda err, msg: delivered.append(err is None))
facts["undelivered"] = p.flush(30)
facts["delivered"] = sum(delivered)

# A group member (subscribe: FindCoordinator, JoinGroup, SyncGroup, heartbeats, OffsetCommit and
# OffsetFetch all go through the TLS listener) reads them and commits.
c = Consumer(dict(tls, **{"group.id": "vault", "auto.offset.reset": "earliest",
                          "enable.auto.commit": False}))
c.subscribe(["secure"])
values = []
deadline = time.time() + 30
while time.time() < deadline and len(values) < 10:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    values.append(m.value().decode())
c.commit(asynchronous=False)
facts["consumed"] = values
facts["committed"] = [tp.offset for tp in c.committed([TopicPartition("secure", 0)], timeout=10)]
c.close()


class DoomedProducer:
    """A producer of one record whose connection is expected to fail: it records what the client
    reports, and how many records were delivered (none, when no connection can be made)."""

    def __init__(self, config):
        self.errors = set()
        self.outcome = []
        self.producer = Producer(dict(config, **{
            "message.timeout.ms": 3000, "error_cb": lambda err: self.errors.add(err.name())}))
        self.producer.produce("secure", value=b"never",
                              on_delivery=lambda err, msg: self.outcome.append(err is None))

    def facts(self):
        left = self.producer.flush(10)
        return {"delivered": sum(self.outcome), "failed": self.outcome.count(False) + left,
                "errors": sorted(self.errors)}


# Both try at once, so their message timeouts run side by side.
doomed = {
    # Kafka's protocol in the clear, to a listener that expects a TLS handshake.
    "plaintext": DoomedProducer({"bootstrap.servers": bootstrap, "security.protocol": "plaintext"}),
    # TLS, but the broker's certificate is not signed by the one CA this client trusts.
    "untrusted": DoomedProducer(dict(tls, **{"ssl.ca.location": other_ca})),
}
for name, producer in doomed.items():
    facts[name] = producer.facts()

# The listener still serves a client that does it right.
topics = AdminClient(tls).list_topics(timeout=10).topics
facts["after"] = sorted(t for t in topics if not t.startswith("__"))
print(json.dumps(facts))
