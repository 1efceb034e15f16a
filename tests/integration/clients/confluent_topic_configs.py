"""python3-confluent-kafka (librdkafka 2.0.2) AdminClient with Kafka's topic configs: ordinary
ones such as compression.type and delete.retention.ms are accepted at create, reported by
describe_configs with their sources, and altered (message.format.version included); an unknown
name or a value Kafka refuses is INVALID_CONFIG. Prints JSON facts on its last line.
"""
import json
import sys

from confluent_kafka import KafkaException
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
print(json.dumps(facts))
