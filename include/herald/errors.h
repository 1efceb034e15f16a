// The SDK's exceptions. Synchronous calls throw them; futures carry them.
#pragma once

#include <stdexcept>
#include <string>

namespace herald::sdk {

// Any failure of the SDK or its transport.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A payload above PublisherOptions::max_payload_bytes.
class PayloadTooLarge : public Error {
 public:
  using Error::Error;
};

// A transaction that could not commit and was aborted instead (a record or the offsets could not
// be written, or the broker aborted it after its timeout): nothing of it is visible to
// read_committed consumers. The producer may begin a new transaction.
class TransactionAborted : public Error {
 public:
  using Error::Error;
};

// A newer producer took this producer's transactional id (or the broker aborted its transaction
// and bumped its epoch): this producer can do nothing more. Create a new one to continue.
class ProducerFenced : public Error {
 public:
  using Error::Error;
};

// Thrown by a handler: the failure is transient (a timeout, an unavailable dependency, a rate
// limit, a deadlock) and the record is tried again.
class RetryableError : public Error {
 public:
  RetryableError(std::string error_class, const std::string& message)
      : Error(message), error_class_(std::move(error_class)) {}
  const std::string& error_class() const { return error_class_; }

 private:
  std::string error_class_;
};

// Thrown by a handler: trying again cannot help (invalid input, a duplicate, a schema mismatch);
// the record goes straight to the dead-letter topic.
class NonRetryableError : public Error {
 public:
  NonRetryableError(std::string error_class, const std::string& message)
      : Error(message), error_class_(std::move(error_class)) {}
  const std::string& error_class() const { return error_class_; }

 private:
  std::string error_class_;
};

}  // namespace herald::sdk
