// Pattern: a regular expression as JSON Schema's `pattern` and `patternProperties` mean it (the
// ECMA-262 flavour: \uXXXX escapes, '$' only at the very end), compiled with PCRE2 in UTF mode
// and matched on the heap under a match limit and a heap limit, so no pattern or subject can
// overflow the stack or run unbounded.
//
// Thread-safety: immutable after Compile; Search may run on many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herald::registry {

class Pattern {
 public:
  // kInvalidArgument with PCRE2's reason and the offset where it stopped.
  static Result<Pattern> Compile(std::string_view source);

  enum class Outcome {
    kMatch,
    kNoMatch,
    kLimit,  // the match or heap limit stopped the search: neither a match nor a mismatch
    kError,
  };
  // An unanchored search for the pattern in `subject` (UTF-8).
  Outcome Search(std::string_view subject) const;

  const std::string& source() const { return source_; }
  // The size of the compiled pattern.
  size_t compiled_bytes() const;

  struct Code;

 private:
  std::string source_;
  std::shared_ptr<const Code> code_;
};

}  // namespace herald::registry
