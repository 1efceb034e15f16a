// kafkajs 2.2 against a Herald Kafka listener that requires SASL (SASL_PLAINTEXT, or SASL_SSL with
// CA_FILE): ApiVersions,
// SaslHandshake v1 and SaslAuthenticate on every connection. First a wrong password with each
// mechanism, which must fail with a SASL authentication error; then, authenticated: the admin
// (SCRAM-SHA-256) creates the topic, a PLAIN producer sends v0..v4 and a SCRAM-SHA-256 one v5..v9,
// a SCRAM-SHA-256 consumer group reads all ten and commits, and a PLAIN admin reads the committed
// offset and the topic's end offset.
// With CA_FILE, every client speaks TLS trusting it (SASL_SSL).
// Usage: node sasl_kafkajs.js BOOTSTRAP USER PASSWORD TOPIC [CA_FILE]
// Prints JSON facts (objects inside) on its last line.
const fs = require('fs');
const { kafka, errorNames, run } = require('./kafkajs_common');

const [bootstrap, user, password, topic, caFile] = process.argv.slice(2);
const ssl = caFile ? { ca: [fs.readFileSync(caFile, 'utf-8')] } : undefined;
const group = `${topic}-group`;

function client(mechanism, secret, quiet) {
  return kafka(bootstrap, 'herald-sasl-test', {
    sasl: { mechanism, username: user, password: secret },
    ssl,
    quiet,
  });
}

// What a producer with a wrong password gets: whether it connected, and the names (and types) of
// the error and of its causes.
async function refusal(mechanism) {
  const producer = client(mechanism, `${password}-wr0ng`, true).producer();
  const facts = { connected: false, names: [] };
  try {
    await producer.connect();
    facts.connected = true;
    await producer.send({ topic, messages: [{ value: 'intruder' }] });
    facts.sent = true;
  } catch (e) {
    facts.names = errorNames(e);
    facts.message = String(e.message);
  }
  await producer.disconnect().catch(() => {});
  return facts;
}

async function produce(kafka, from) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = from; i < from + 5; i++) messages.push({ key: `k${i}`, value: `v${i}` });
  const sent = await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
  return Number(sent[0].baseOffset);
}

async function main() {
  const facts = {};
  facts.refused = {
    'scram-sha-256': await refusal('scram-sha-256'),
    plain: await refusal('plain'),
  };

  const scram = client('scram-sha-256', password, false);
  const plain = client('plain', password, false);

  const admin = scram.admin();
  await admin.connect();
  facts.created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();

  facts.base_offsets = { plain: await produce(plain, 0), 'scram-sha-256': await produce(scram, 5) };

  const consumer = scram.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length} messages`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString());
        if (values.length === 10) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  facts.consumed = values;

  const reader = plain.admin();
  await reader.connect();
  const offsets = await reader.fetchOffsets({ groupId: group, topics: [topic] });
  facts.committed = offsets[0].partitions.map((p) => Number(p.offset));
  const ends = await reader.fetchTopicOffsets(topic);
  facts.end = ends.map((p) => Number(p.high));
  await reader.disconnect();
  return facts;
}

run(main);
