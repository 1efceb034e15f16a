"""python3-confluent-kafka (librdkafka 2.0.2) AdminClient with Kafka's topic configs: ordinary
ones such as compression.type and delete.retention.ms are accepted at create, reported by
describe_configs with their sources and synonyms (the broker's server.properties sets
log.retention.ms and log.segment.bytes), and altered (message.format.version included); an unknown
name or a value Kafka refuses is INVALID_CONFIG. Then message.timestamp.type=LogAppendTime (a
consumer reads the broker's time, typed LOG_APPEND_TIME) and
message.timestamp.difference.max.ms (a record from 1970 is INVALID_TIMESTAMP), and
message.timestamp.before.max.ms / .after.max.ms (each bounds one side). Prints JSON facts
on its last line. And compression.type=gzip on a topic written with lz4: the records read back
whole (the broker recompressed them).
"""
import json
import sys
import time

from confluent_kafka import (TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
facts = {}
admin = AdminClient({"bootstrap.servers": bootstrap})


def create(name, config):
    for _, f in admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                                              config=config)]).items():
        try:
            f.result()
            return "ok"
        except KafkaException as e:
            return e.args[0].name()


def describe(name):
    for _, f in admin.describe_configs([ConfigResource("topic", name)]).items():
        return f.result()


facts["create"] = create("audit", {"compression.type": "lz4", "delete.retention.ms": "900",
                                   "message.format.version": "3.0-IV1",
                                   "message.timestamp.type": "LogAppendTime",
                                   "min.insync.replicas": "1",
                                   "min.compaction.lag.ms": "1000"})
configs = describe("audit")
facts["values"] = {k: configs[k].value for k in
                   ("compression.type", "delete.retention.ms", "message.format.version",
                    "message.timestamp.type", "min.insync.replicas", "segment.index.bytes")}
facts["sources"] = {k: configs[k].source for k in ("compression.type", "segment.index.bytes")}
facts["defaults"] = {k: configs[k].is_default for k in ("compression.type", "segment.index.bytes")}
# The broker runs with log.retention.ms and log.segment.bytes in its server.properties.
facts["from_broker"] = {k: [configs[k].value, configs[k].source] for k in
                        ("retention.ms", "segment.bytes", "segment.ms")}
facts["synonyms"] = {k: sorted([s.name, s.value, s.source] for s in configs[k].synonyms.values())
                     for k in ("retention.ms", "compression.type", "segment.ms")}

# The broker's own settings: server.properties' values are STATIC_BROKER_CONFIG (4), the rest
# DEFAULT_CONFIG (5); log.retention.hours keeps its own default, as in Kafka.
for _, f in admin.describe_configs([ConfigResource("broker", "1")]).items():
    broker = f.result()
facts["broker"] = {k: [broker[k].value, broker[k].source, broker[k].is_read_only] for k in
                   ("log.retention.ms", "log.retention.hours", "log.segment.bytes",
                    "num.partitions")}
facts["broker_synonyms"] = sorted([s.name, s.value, s.source]
                                  for s in broker["log.retention.ms"].synonyms.values())

resource = ConfigResource("topic", "audit", set_config={"message.format.version": "2.8",
                                                        "compression.type": "zstd"})
for _, f in admin.alter_configs([resource]).items():
    f.result()
configs = describe("audit")
facts["altered"] = {k: configs[k].value for k in
                    ("message.format.version", "compression.type", "delete.retention.ms")}

facts["unknown"] = create("bad1", {"no.such.config": "1"})
facts["bad_value"] = create("bad2", {"compression.type": "brotli"})
facts["tiered"] = create("bad3", {"remote.storage.enable": "true"})

def produce(topic, timestamp):
    results = []
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    p.produce(topic, value=b"v", timestamp=timestamp,
              on_delivery=lambda err, msg: results.append(err.name() if err else "ok"))
    p.flush(30)
    return results[0] if results else "no delivery report"


create("stamped", {"message.timestamp.type": "LogAppendTime"})
before = int(time.time() * 1000)
facts["stamped_produce"] = produce("stamped", 1000)
after = int(time.time() * 1000)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "stamps", "enable.auto.commit": False})
c.assign([TopicPartition("stamped", 0, 0)])
msg = None
deadline = time.time() + 20
while time.time() < deadline and msg is None:
    m = c.poll(0.5)
    if m is not None and not m.error():
        msg = m
c.close()
kind, ts = msg.timestamp() if msg else (None, None)
facts["stamped_type_is_log_append_time"] = kind == TIMESTAMP_LOG_APPEND_TIME
facts["stamped_time_is_the_brokers"] = ts is not None and before - 1000 <= ts <= after + 1000

create("squeezed", {"compression.type": "gzip"})
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "compression.type": "lz4",
              "linger.ms": 50})
for i in range(20):
    p.produce("squeezed", key=b"k%d" % i, value=b"value-%d" % i)
p.flush(30)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "squeeze", "enable.auto.commit": False})
c.assign([TopicPartition("squeezed", 0, 0)])
squeezed = []
deadline = time.time() + 20
while time.time() < deadline and len(squeezed) < 20:
    m = c.poll(0.5)
    if m is not None and not m.error():
        squeezed.append([m.offset(), m.key().decode(), m.value().decode()])
c.close()
facts["squeezed"] = squeezed == [[i, "k%d" % i, "value-%d" % i] for i in range(20)]

create("bounded", {"message.timestamp.difference.max.ms": "60000"})
facts["bounded_old"] = produce("bounded", 1000)
facts["bounded_now"] = produce("bounded", int(time.time() * 1000))
# Kafka 3.6+'s one-sided bounds: each replaces the difference on its side only.
day = 24 * 3600 * 1000
create("not_before", {"message.timestamp.before.max.ms": "60000"})
facts["not_before"] = [produce("not_before", 1000),
                       produce("not_before", int(time.time() * 1000) + day)]
create("not_after", {"message.timestamp.after.max.ms": "60000"})
facts["not_after"] = [produce("not_after", 1000),
                      produce("not_after", int(time.time() * 1000) + day)]
print(json.dumps(facts))
