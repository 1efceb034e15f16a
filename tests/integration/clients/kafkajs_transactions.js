// kafkajs 2.2 transactions: a committed transaction (send and sendOffsets for a group) and an
// aborted one; a read_committed consumer (kafkajs's default) reads only the committed records,
// and the group's offsets move only with the committed transaction. Prints JSON facts on its
// last line. Usage: node kafkajs_transactions.js BOOTSTRAP
const { kafka: client, run } = require('./kafkajs_common');

const bootstrap = process.argv[2];
const kafka = client(bootstrap, 'herald-test');

async function readAll(topic, readUncommitted, expected) {
  const consumer = kafka.consumer({ groupId: `reader-${readUncommitted}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    // Waits for `expected` values, then a moment more for any that should not come.
    let settle = null;
    const timer = setTimeout(() => reject(new Error(`only ${values.length} messages`)), 40000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString());
        if (values.length >= expected && settle === null) {
          clearTimeout(timer);
          settle = setTimeout(resolve, 1500);
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return values.sort();
}

async function main() {
  const facts = {};
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 2 }] });

  const producer = kafka.producer({ transactionalId: 'payments-writer', maxInFlightRequests: 1,
                                    idempotent: true });
  await producer.connect();

  const committed = await producer.transaction();
  await committed.send({ topic: 'payments', messages: [
    { value: 'committed-0', partition: 0 }, { value: 'committed-1', partition: 1 }] });
  await committed.sendOffsets({ consumerGroupId: 'settler',
                                topics: [{ topic: 'payments', partitions: [
                                  { partition: 0, offset: '1' }, { partition: 1, offset: '1' }] }] });
  await committed.commit();

  const aborted = await producer.transaction();
  await aborted.send({ topic: 'payments', messages: [
    { value: 'aborted-0', partition: 0 }, { value: 'aborted-1', partition: 1 }] });
  await aborted.sendOffsets({ consumerGroupId: 'settler',
                              topics: [{ topic: 'payments', partitions: [
                                { partition: 0, offset: '3' }, { partition: 1, offset: '3' }] }] });
  await aborted.abort();
  await producer.disconnect();

  const offsets = await admin.fetchOffsets({ groupId: 'settler', topics: ['payments'] });
  facts.settler = offsets[0].partitions.sort((a, b) => a.partition - b.partition)
    .map((p) => p.offset);
  await admin.disconnect();

  facts.read_committed = await readAll('payments', false, 2);
  facts.read_uncommitted = await readAll('payments', true, 4);
  return facts;
}

run(main);
