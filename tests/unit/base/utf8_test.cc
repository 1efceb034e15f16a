#include "base/utf8.h"

#include <gtest/gtest.h>

namespace herald {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));                 // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));                // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));            // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));            // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));        // NUL is a character
}

TEST(Utf8, RefusesIllFormedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
}

TEST(Utf8, ReplacesEachMaximalIllFormedSubpart) {
  EXPECT_EQ(ToValidUtf8("ok"), "ok");
  EXPECT_EQ(ToValidUtf8("\xFF\xFE"), kReplacement + kReplacement);
  // A truncated three-byte sequence is one subpart, followed by a valid character.
  EXPECT_EQ(ToValidUtf8("\xE2\x82" "a"), kReplacement + "a");
  // A lead byte followed by a non-continuation: the lead alone is replaced.
  EXPECT_EQ(ToValidUtf8("\xC3(x"), kReplacement + "(x");
  EXPECT_EQ(ToValidUtf8("caf\xC3\xA9\xFF"), "caf\xC3\xA9" + kReplacement);
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xF0\x9F\x98")));
}

TEST(Utf8, AbbreviatesOnACharacterBoundary) {
  EXPECT_EQ(Abbreviate("short", 80), "short");
  EXPECT_EQ(Abbreviate("abcdef", 3), "abc...");
  // "é" is two bytes: a cut inside it moves back before it.
  EXPECT_EQ(Abbreviate("ab\xC3\xA9z", 3), "ab...");
  EXPECT_EQ(Abbreviate("ab\xC3\xA9z", 4), "ab\xC3\xA9...");
}

}  // namespace
}  // namespace herald
