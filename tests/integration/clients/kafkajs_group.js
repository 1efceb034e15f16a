// kafkajs 2.2: a producer and a consumer group with eachMessage. Prints JSON facts on its last
// line. Usage: node kafkajs_group.js BOOTSTRAP [CA_FILE]; with CA_FILE, over TLS trusting it.
const fs = require('fs');
const { kafka: client, run } = require('./kafkajs_common');

const bootstrap = process.argv[2];
const ca = process.argv[3];
const kafka = client(bootstrap, 'herald-test', {
  ssl: ca ? { ca: [fs.readFileSync(ca, 'utf-8')] } : undefined,
});

async function main() {
  const facts = {};
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'shipments', numPartitions: 2 }] });
  await admin.disconnect();

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 20; i++) messages.push({ key: `k${i}`, value: `v${i}`, partition: i % 2 });
  const sent = await producer.send({ topic: 'shipments', acks: -1, messages });
  facts.acked = sent.length;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'dispatch', sessionTimeout: 10000,
                                    heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'shipments', fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length} messages`)), 40000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(Number(message.value.toString().slice(1)));
        if (values.length === 20) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  facts.consumed = values.sort((a, b) => a - b);

  await admin.connect();
  const offsets = await admin.fetchOffsets({ groupId: 'dispatch', topics: ['shipments'] });
  facts.committed = offsets[0].partitions.map((p) => Number(p.offset)).sort((a, b) => a - b);
  await admin.disconnect();
  return facts;
}

run(main);
