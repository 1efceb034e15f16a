// UTF-8 checks for strings that come from clients (Kafka strings, HTTP bodies), so that they can be
// stored, logged and written into JSON without a throwing conversion.
#pragma once

#include <string>
#include <string_view>

namespace herald {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD, one replacement per maximal ill-formed
// subpart (as Java's and the Unicode standard's decoders do, so a Kafka broker stores the same
// string). Returns `text` unchanged when it is valid.
std::string ToValidUtf8(std::string_view text);

// `text` cut to at most `limit` bytes, never inside a UTF-8 sequence, and "..." after it when
// cut; `text` itself when it fits. For messages that quote what a client sent.
std::string Abbreviate(std::string_view text, size_t limit = 80);

}  // namespace herald
