"""python3-confluent-kafka (librdkafka 2.0.2): an idempotent producer, a consumer group that
commits (and a commit naming partitions that do not exist), and the AdminClient: create_topics, create_partitions, describe_configs, delete_topics.
Prints JSON facts on its last line.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap = sys.argv[1]
facts = {}
admin = AdminClient({"bootstrap.servers": bootstrap})
for _, f in admin.create_topics([NewTopic("payments", num_partitions=2, replication_factor=1,
                                          config={"retention.ms": "86400000"})]).items():
    f.result()
for _, f in admin.create_partitions([NewPartitions("payments", 3)]).items():
    f.result()
facts["partitions"] = len(admin.list_topics(timeout=10).topics["payments"].partitions)
for _, f in admin.describe_configs([ConfigResource("topic", "payments")]).items():
    facts["retention.ms"] = f.result()["retention.ms"].value

delivered = []
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
for i in range(30):
    p.produce("payments", key=b"k%d" % i, value=b"v%d" % i, partition=i % 3,
              on_delivery=lambda err, msg: delivered.append(err is None))
p.flush(30)
facts["delivered"] = sum(delivered)

c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ledger", "auto.offset.reset": "earliest",
              "enable.auto.commit": False})
c.subscribe(["payments"])
values = []
deadline = time.time() + 40
while time.time() < deadline and len(values) < 30:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    values.append(int(m.value()[1:]))
c.commit(asynchronous=False)
facts["consumed"] = sorted(values)
facts["committed"] = sorted(tp.offset for tp in c.committed(
    [TopicPartition("payments", i) for i in range(3)], timeout=10))
c.close()

# A commit naming a topic and a partition the broker does not have fails with
# UNKNOWN_TOPIC_OR_PART, as Kafka answers; the partition it has is committed.
strays = Consumer({"bootstrap.servers": bootstrap, "group.id": "strays",
                   "enable.auto.commit": False})
try:
    strays.commit(offsets=[TopicPartition("payments", 0, 5), TopicPartition("nosuch", 0, 5),
                           TopicPartition("payments", 7, 5)], asynchronous=False)
    facts["stray_commit"] = None
except KafkaException as e:
    facts["stray_commit"] = e.args[0].name()
facts["stray_committed"] = [tp.offset for tp in strays.committed(
    [TopicPartition("payments", 0)], timeout=10)]
strays.close()
for _, f in admin.delete_topics(["payments"]).items():
    f.result()
facts["deleted"] = "payments" not in admin.list_topics(timeout=10).topics
print(json.dumps(facts))
