"""Debian's python3-kafka (kafka-python 2.0.2) KafkaAdminClient against Herald, at the versions it
sends (CreateTopics 3, DescribeConfigs 2, AlterConfigs 1, CreatePartitions 1, DeleteTopics 3,
ListGroups 2, DescribeGroups 3, OffsetFetch, DeleteGroups 1): ordinary Kafka topic configs are
accepted, reported with their sources and altered; an unknown config is INVALID_CONFIG (40);
partitions are added; a consumer group is listed, described, its offsets read and deleted; the
topic is deleted. Prints JSON facts on its last line."""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic

bootstrap = sys.argv[1]
facts = {}
admin = KafkaAdminClient(bootstrap_servers=bootstrap)


def create(name, configs):
    try:
        response = admin.create_topics([NewTopic(name, 1, 1, topic_configs=configs)])
    except KafkaError as e:  # the admin client raises a topic's error
        return e.errno
    return [code for _, code, _ in response.topic_errors][0]


def describe(name):
    [response] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    [(code, _, _, _, entries)] = response.resources
    return code, {entry[0]: (entry[1], entry[3]) for entry in entries}


facts["create"] = create("audit", {"compression.type": "lz4", "delete.retention.ms": "900",
                                   "message.format.version": "3.0-IV1"})
facts["unknown"] = create("bad", {"no.such.config": "1"})
code, configs = describe("audit")
facts["describe"] = code
# (value, source): 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG
facts["configs"] = {k: list(configs[k]) for k in
                    ("compression.type", "delete.retention.ms", "segment.index.bytes")}

response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "audit",
                                               configs={"message.format.version": "2.8",
                                                        "compression.type": "gzip"})])
facts["alter"] = [r[0] for r in response.resources]
_, configs = describe("audit")
facts["altered"] = {k: configs[k][0] for k in
                    ("message.format.version", "compression.type", "delete.retention.ms")}

response = admin.create_partitions({"audit": NewPartitions(3)})
facts["partitions"] = [code for _, code, _ in response.topic_errors]

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(6):
    producer.send("audit", value=b"v%d" % i, partition=i % 3)
producer.flush()
producer.close()
consumer = KafkaConsumer("audit", bootstrap_servers=bootstrap, group_id="auditors",
                         auto_offset_reset="earliest", enable_auto_commit=False)
seen = 0
while seen < 6:
    for _, messages in consumer.poll(timeout_ms=500).items():
        seen += len(messages)
consumer.commit()
consumer.close()
facts["consumed"] = seen
facts["groups"] = sorted(list(g) for g in admin.list_consumer_groups())
[group] = admin.describe_consumer_groups(["auditors"])
facts["group_state"] = group.state
offsets = admin.list_consumer_group_offsets("auditors")
facts["committed"] = sorted(o.offset for tp, o in offsets.items() if tp.topic == "audit")
facts["delete_group"] = [[g, e.errno] for g, e in admin.delete_consumer_groups(["auditors"])]

response = admin.delete_topics(["audit"])
facts["delete"] = [code for _, code in response.topic_error_codes]
admin.close()
print(json.dumps(facts))
