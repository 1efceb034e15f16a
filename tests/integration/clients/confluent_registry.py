"""python3-confluent-kafka's schema registry clients against Herald's registry: SchemaRegistryClient
(register, fetch by id, versions, compatibility, config, delete) and the Avro serializer path
(AvroProducer -> Herald -> AvroConsumer, with python3-avro). Prints JSON facts on its last line.

Usage: confluent_registry.py BOOTSTRAP REGISTRY_URL
"""
import json
import sys

from confluent_kafka import avro
from confluent_kafka.avro import AvroConsumer, AvroProducer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

bootstrap, url = sys.argv[1], sys.argv[2]
facts = {}

ORDER_V1 = json.dumps({
    "type": "record", "name": "Order", "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "long"}]})
# A field with a default: compatible both ways.
ORDER_V2 = json.dumps({
    "type": "record", "name": "Order", "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "long"},
               {"name": "currency", "type": "string", "default": "EUR"}]})
# amount becomes a string: incompatible.
ORDER_BAD = json.dumps({
    "type": "record", "name": "Order", "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "string"}]})

client = SchemaRegistryClient({"url": url})
first = client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
facts["id_again"] = client.register_schema("orders-value", Schema(ORDER_V1, "AVRO")) == first
fetched = client.get_schema(first)
facts["fetched_same"] = json.loads(fetched.schema_str) == json.loads(ORDER_V1)
facts["fetched_type"] = fetched.schema_type
facts["compatible_v2"] = client.test_compatibility("orders-value", Schema(ORDER_V2, "AVRO"))
facts["compatible_bad"] = client.test_compatibility("orders-value", Schema(ORDER_BAD, "AVRO"))
second = client.register_schema("orders-value", Schema(ORDER_V2, "AVRO"))
facts["ids"] = [first, second]
latest = client.get_latest_version("orders-value")
facts["latest"] = [latest.version, latest.schema_id]
facts["versions"] = client.get_versions("orders-value")
try:
    client.register_schema("orders-value", Schema(ORDER_BAD, "AVRO"))
    facts["bad_refused"] = None
except SchemaRegistryError as e:
    facts["bad_refused"] = [e.http_status_code, e.error_code]
try:
    client.get_schema(9999)
    facts["missing_id"] = None
except SchemaRegistryError as e:
    facts["missing_id"] = [e.http_status_code, e.error_code]
facts["set_level"] = client.set_compatibility("orders-value", "FULL")
facts["level"] = client.get_compatibility("orders-value")
facts["subjects"] = client.get_subjects()

# Serialize -> produce through Herald -> consume -> deserialize, with the registry framing.
value_schema = avro.loads(ORDER_V2)
producer = AvroProducer({"bootstrap.servers": bootstrap, "schema.registry.url": url},
                        default_value_schema=value_schema)
for i in range(5):
    producer.produce(topic="orders", value={"id": "o%d" % i, "amount": i * 100, "currency": "SEK"})
producer.flush(30)
consumer = AvroConsumer({"bootstrap.servers": bootstrap, "schema.registry.url": url,
                         "group.id": "registry-test", "auto.offset.reset": "earliest"})
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
facts["deleted"] = client.delete_subject("orders-value")
print(json.dumps(facts))
