#include "registry/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

namespace herald::registry {
namespace {

// The backtracking steps of one search, and the heap it may use (KiB).
constexpr uint32_t kMatchLimit = 1000000;
constexpr uint32_t kHeapLimitKib = 8192;

// One compile context (the ECMA-262 `\u` escapes where PCRE2 has the option) and one match
// context (the limits) for the process: neither changes once made, and PCRE2 only reads them.
pcre2_compile_context* CompileContext() {
  static pcre2_compile_context* const context = [] {
    pcre2_compile_context* c = pcre2_compile_context_create(nullptr);
#ifdef PCRE2_EXTRA_ALT_BSUX
    if (c != nullptr) pcre2_set_compile_extra_options(c, PCRE2_EXTRA_ALT_BSUX);
#endif
    return c;
  }();
  return context;
}

pcre2_match_context* MatchContext() {
  static pcre2_match_context* const context = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    if (c != nullptr) {
      pcre2_set_match_limit(c, kMatchLimit);
      pcre2_set_heap_limit(c, kHeapLimitKib);
    }
    return c;
  }();
  return context;
}

// Match data for one pair of offsets (a match or not is all that is asked), one per thread:
// pcre2_match writes its match data.
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

struct Pattern::Code {
  explicit Code(pcre2_code* c) : code(c) {}
  ~Code() { pcre2_code_free(code); }
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
  pcre2_code* const code;
};

Result<Pattern> Pattern::Compile(std::string_view source) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // ECMA-262 flavour: \uXXXX escapes, '$' only at the very end, and no \C (one code unit, which
  // could split a UTF-8 character).
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                    PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C,
                    &error, &offset, CompileContext());
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    if (pcre2_get_error_message(error, message, sizeof(message)) < 0) message[0] = 0;
    return InvalidArgument("{} (at offset {})", reinterpret_cast<const char*>(message), offset);
  }
  Pattern out;
  out.source_ = std::string(source);
  out.code_ = std::make_shared<const Code>(code);
  return out;
}

Pattern::Outcome Pattern::Search(std::string_view subject) const {
  pcre2_match_data* data = ThreadMatchData();
  pcre2_match_context* context = MatchContext();
  if (data == nullptr || context == nullptr) return Outcome::kError;
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, data, context);
  if (rc >= 0) return Outcome::kMatch;
  if (rc == PCRE2_ERROR_NOMATCH) return Outcome::kNoMatch;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
      rc == PCRE2_ERROR_NOMEMORY) {
    return Outcome::kLimit;
  }
  return Outcome::kError;
}

size_t Pattern::compiled_bytes() const {
  size_t size = 0;
  return pcre2_pattern_info(code_->code, PCRE2_INFO_SIZE, &size) == 0 ? size : 0;
}

}  // namespace herald::registry
