#include "registry/record_validator.h"

#include <fmt/format.h>

#include "registry/wire_format.h"

namespace herald::registry {

Result<std::shared_ptr<const RecordValidator::Known>> RecordValidator::Resolve(int32_t id) {
  const uint64_t generation = registry_.generation();
  {
    ReaderLock lock(mu_);
    if (generation_ == generation) {
      if (auto it = known_.find(id); it != known_.end()) return it->second;
    }
  }
  auto schema = registry_.ParsedById(id);
  if (!schema.ok()) return InvalidArgument("schema id {} is not in the registry", id);
  auto uses = registry_.SubjectVersionsOf(id, false);
  auto known = std::make_shared<Known>();
  known->schema = *schema;
  if (uses.ok()) {
    for (const auto& [subject, version] : *uses) known->subjects.insert(subject);
  }
  WriterLock lock(mu_);
  if (generation_ != generation) {
    known_.clear();
    generation_ = generation;
  }
  known_[id] = known;
  return std::shared_ptr<const Known>(known);
}

Status RecordValidator::CheckPart(const std::string& topic, bool key,
                                  storage::SubjectNameStrategy strategy, ByteView bytes,
                                  int64_t index) {
  const char* part = key ? "key" : "value";
  const std::optional<Framed> framed = Unframe(bytes);
  if (!framed) {
    return InvalidArgument(
        "record {} of the batch: its {} is not framed with a schema id (magic byte 0, then a "
        "4-byte id)",
        index, part);
  }
  const int32_t id = framed->id;
  auto known = Resolve(id);
  if (!known.ok()) {
    return InvalidArgument("record {} of the batch: its {}'s {}", index, part,
                           known.status().message());
  }
  const std::string_view record_name = (*known)->schema->RecordName();
  std::string subject;
  if (strategy == storage::SubjectNameStrategy::kTopicName) {
    subject = fmt::format("{}-{}", topic, part);
  } else if (record_name.empty()) {
    return InvalidArgument(
        "record {} of the batch: schema {} has no record name, which the topic's subject name "
        "strategy needs",
        index, id);
  } else if (strategy == storage::SubjectNameStrategy::kRecordName) {
    subject = record_name;
  } else {
    subject = fmt::format("{}-{}", topic, record_name);
  }
  if (!(*known)->subjects.contains(subject)) {
    return InvalidArgument("record {} of the batch: schema {} is not registered under subject '{}'",
                           index, id, subject);
  }
  if (Status s = (*known)->schema->Check(framed->payload); !s.ok()) {
    return InvalidArgument("record {} of the batch: its {} does not match schema {}: {}", index,
                           part, id, s.message());
  }
  return Status::Ok();
}

Status RecordValidator::Check(const std::string& topic, const storage::LogConfig& config,
                              const storage::ValidatedBatch& batch) {
  Status refused;
  int64_t index = 0;
  Status read = storage::ForEachRecord(batch.bytes(), [&](const storage::RecordView& record) {
    if (refused.ok() && config.key_schema_validation && record.key) {
      refused = CheckPart(topic, true, config.key_subject_strategy, *record.key, index);
    }
    if (refused.ok() && config.value_schema_validation && record.value) {
      refused = CheckPart(topic, false, config.value_subject_strategy, *record.value, index);
    }
    ++index;
  });
  if (!read.ok()) return InvalidArgument("the batch's records do not read: {}", read.message());
  return refused;
}

}  // namespace herald::registry
