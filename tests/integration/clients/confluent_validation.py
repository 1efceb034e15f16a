"""Broker-side schema validation seen from python3-confluent-kafka: a topic created with
confluent.value.schema.validation=true takes records an AvroProducer frames with a registered
schema, and refuses, with INVALID_RECORD and nothing written, plain bytes, an unknown schema id,
a wrong magic byte and a payload that is not a datum of its schema. Prints JSON facts on its
last line.

Usage: confluent_validation.py BOOTSTRAP REGISTRY_URL
"""
import json
import struct
import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka import avro
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.avro import AvroProducer

bootstrap, url = sys.argv[1], sys.argv[2]
facts = {}
admin = AdminClient({"bootstrap.servers": bootstrap})
for _, f in admin.create_topics([NewTopic(
        "payments", num_partitions=1, replication_factor=1,
        config={"confluent.value.schema.validation": "true"})]).items():
    f.result()

schema = avro.loads(json.dumps({
    "type": "record", "name": "Payment", "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "cents", "type": "long"}]}))
delivered = []
framed = AvroProducer({"bootstrap.servers": bootstrap, "schema.registry.url": url},
                      default_value_schema=schema)
for i in range(3):
    framed.produce(topic="payments", value={"id": "p%d" % i, "cents": i},
                   on_delivery=lambda err, msg: delivered.append(err is None))
framed.flush(30)
facts["valid_delivered"] = sum(delivered)

schema_id = 1  # the first schema registered: the AvroProducer's
raw = Producer({"bootstrap.servers": bootstrap, "message.send.max.retries": 0})
errors = {}
bad = {
    "plain": b"plain text",
    "unknown_id": b"\x00" + struct.pack(">I", 999) + b"\x04p9\x02",
    "bad_magic": b"\x01" + struct.pack(">I", schema_id) + b"\x04p9\x02",
    "not_a_datum": b"\x00" + struct.pack(">I", schema_id) + b"\x04p9",
}
for name, value in bad.items():
    raw.produce("payments", value=value,
                on_delivery=lambda err, msg, name=name: errors.__setitem__(
                    name, err.name() if err else None))
    raw.flush(30)
facts["errors"] = errors

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "validation-test"})
low, high = consumer.get_watermark_offsets(TopicPartition("payments", 0), timeout=10)
facts["high_watermark"] = high
consumer.close()
print(json.dumps(facts))
