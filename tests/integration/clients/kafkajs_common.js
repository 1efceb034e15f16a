// What the kafkajs scripts share: a client of the broker under test, a script's run (the facts
// its main resolves to, as JSON on the last line; a failure printed, exit status 1), and the
// names and types along an error's chain of causes.
const { Kafka, logLevel } = require('kafkajs');

// A kafkajs client of `bootstrap`. `sasl` ({ mechanism, username, password }) and `ssl` as
// kafkajs takes them; `quiet` for a client expected to fail: no logs, no retries unless `retry`.
function kafka(bootstrap, clientId, { sasl, ssl, quiet = false, retry } = {}) {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: quiet ? logLevel.NOTHING : logLevel.ERROR,
    connectionTimeout: 5000,
    retry: retry ?? (quiet ? { retries: 0 } : undefined),
    sasl,
    ssl,
  });
}

// The name (and kafkajs's type, when it has one) of `e` and of each error it was caused by.
function errorNames(e) {
  const names = [];
  for (let error = e; error && names.length < 10; error = error.cause) {
    names.push(error.name);
    if (error.type) names.push(error.type);
    if (error.cause === error) break;
  }
  return names;
}

function run(main) {
  main()
    .then((facts) => console.log(JSON.stringify(facts)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

module.exports = { kafka, errorNames, run };
