"""python3-confluent-kafka's JSON Schema path against Herald: SchemaRegistryClient registers,
fetches and checks JSON schemas (closed content model: an optional property may be added, a
required one may not); JSONSerializer -> a topic with confluent.value.schema.validation=true ->
JSONDeserializer, with python3-jsonschema; and the broker refuses, with INVALID_RECORD and
nothing written, framed JSON that breaks the schema. Prints JSON facts on its last line.

Usage: confluent_json_schema.py BOOTSTRAP REGISTRY_URL
"""
import json
import struct
import sys

from confluent_kafka import Consumer, DeserializingConsumer, Producer, SerializingProducer
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import StringSerializer

bootstrap, url = sys.argv[1], sys.argv[2]
facts = {}


def order(extra_properties=None, required=("id",)):
    properties = {"id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}
    properties.update(extra_properties or {})
    return json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
        "type": "object", "properties": properties, "required": list(required),
        "additionalProperties": False})


ORDER_V1 = order()
ORDER_V2 = order({"currency": {"type": "string"}})  # optional, closed model: compatible
ORDER_BAD = order({"currency": {"type": "string"}}, ("id", "currency"))  # required: not

client = SchemaRegistryClient({"url": url})
first = client.register_schema("orders-value", Schema(ORDER_V1, "JSON"))
facts["id_again"] = client.register_schema("orders-value", Schema(ORDER_V1, "JSON")) == first
fetched = client.get_schema(first)
facts["fetched_same"] = json.loads(fetched.schema_str) == json.loads(ORDER_V1)
facts["fetched_type"] = fetched.schema_type
facts["compatible_v2"] = client.test_compatibility("orders-value", Schema(ORDER_V2, "JSON"))
facts["compatible_bad"] = client.test_compatibility("orders-value", Schema(ORDER_BAD, "JSON"))
try:
    client.register_schema("orders-value", Schema(ORDER_BAD, "JSON"))
    facts["bad_refused"] = None
except SchemaRegistryError as e:
    facts["bad_refused"] = [e.http_status_code, e.error_code]
try:
    client.register_schema("broken-value", Schema('{"type": "no such type"}', "JSON"))
    facts["invalid_refused"] = None
except SchemaRegistryError as e:
    facts["invalid_refused"] = [e.http_status_code, e.error_code]

admin = AdminClient({"bootstrap.servers": bootstrap})
for _, f in admin.create_topics([NewTopic(
        "orders", num_partitions=1, replication_factor=1,
        config={"confluent.value.schema.validation": "true"})]).items():
    f.result()

# Serialize -> produce through Herald (validating) -> consume -> deserialize.
delivered = []
producer = SerializingProducer({
    "bootstrap.servers": bootstrap, "key.serializer": StringSerializer("utf_8"),
    "value.serializer": JSONSerializer(ORDER_V2, client)})
for i in range(5):
    producer.produce(topic="orders", key="o%d" % i,
                     value={"id": "o%d" % i, "amount": i * 1.5, "currency": "SEK"},
                     on_delivery=lambda err, msg: delivered.append(err is None))
producer.flush(30)
facts["valid_delivered"] = sum(delivered)
schema_id = client.get_latest_version("orders-value").schema_id
facts["latest_version"] = client.get_latest_version("orders-value").version

# Framed with the registered id, but not what the schema allows.
raw = Producer({"bootstrap.servers": bootstrap, "message.send.max.retries": 0})
errors = {}
bad = {
    "negative_amount": {"id": "x", "amount": -1},
    "missing_id": {"amount": 1},
    "unknown_property": {"id": "x", "colour": "red"},
}
for name, value in bad.items():
    payload = b"\x00" + struct.pack(">I", schema_id) + json.dumps(value).encode()
    raw.produce("orders", value=payload,
                on_delivery=lambda err, msg, name=name: errors.__setitem__(
                    name, err.name() if err else None))
    raw.flush(30)
raw.produce("orders", value=b"\x00" + struct.pack(">I", schema_id) + b"{not json",
            on_delivery=lambda err, msg: errors.__setitem__("not_json", err.name() if err else None))
raw.flush(30)
facts["errors"] = errors

consumer = DeserializingConsumer({
    "bootstrap.servers": bootstrap, "group.id": "json-schema-test",
    "auto.offset.reset": "earliest", "value.deserializer": JSONDeserializer(ORDER_V2)})
consumer.subscribe(["orders"])
values = []
for _ in range(100):
    msg = consumer.poll(1.0)
    if msg is None or msg.error():
        continue
    values.append(msg.value())
    if len(values) == 5:
        break
consumer.close()
facts["values"] = values
plain = Consumer({"bootstrap.servers": bootstrap, "group.id": "json-schema-watermarks"})
facts["high_watermark"] = plain.get_watermark_offsets(TopicPartition("orders", 0), timeout=10)[1]
plain.close()
print(json.dumps(facts))
