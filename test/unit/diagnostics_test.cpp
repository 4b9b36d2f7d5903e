// The diagnostic table (codes.def) and DiagnosticEngine: filtering (-Wno-, -Werror), the clang-
// style text rendering and the JSON shape.
#include "frontend/diag/diagnostics.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

namespace ciliumc {
namespace {

// Codes from the CP1xxx section, which this test owns alongside the engine.
constexpr DiagCode kError = DiagCode::CP1001;
constexpr DiagCode kWarning = DiagCode::CP1003;  // warning name "ignored-file"

SourceLocation at(const std::string& file, int line, int column) {
  return SourceLocation{std::make_shared<const std::string>(file), line, column};
}

std::string renderText(const DiagnosticEngine& engine, bool color = false) {
  std::ostringstream out;
  engine.renderText(out, color);
  return out.str();
}

// The text rendering of one error at line:column of `source`, registered under `file`.
std::string renderOneError(const std::string& file, const std::string& source, int line, int column,
                           const std::string& message, int length = 1) {
  DiagnosticEngine engine;
  engine.addSource(file, source);
  engine.report(kError, at(file, line, column), message, {}, length);
  return renderText(engine);
}

nlohmann::json renderJson(const DiagnosticEngine& engine) {
  std::ostringstream out;
  engine.renderJson(out);
  return nlohmann::json::parse(out.str());
}

// ---- the table ----

TEST(DiagnosticTable, EveryCodeHasTitleAndExplanation) {
  ASSERT_FALSE(allDiagnostics().empty());
  for (const DiagInfo& info : allDiagnostics()) {
    EXPECT_FALSE(info.title.empty()) << info.code;
    EXPECT_FALSE(info.explanation.empty()) << info.code;
  }
}

TEST(DiagnosticTable, CodesAreUniqueAndWellFormed) {
  const std::regex pattern("^CP[0-9]{4}$");
  std::set<std::string_view> seen;
  for (const DiagInfo& info : allDiagnostics()) {
    EXPECT_TRUE(std::regex_match(std::string(info.code), pattern)) << info.code;
    EXPECT_TRUE(seen.insert(info.code).second) << "duplicate " << info.code;
  }
}

TEST(DiagnosticTable, OnlyWarningsHaveWarningNames) {
  std::set<std::string_view> names;
  for (const DiagInfo& info : allDiagnostics()) {
    if (info.severity == Severity::Warning) {
      EXPECT_FALSE(info.warningName.empty()) << info.code;
      EXPECT_TRUE(names.insert(info.warningName).second) << "duplicate name " << info.warningName;
      EXPECT_NE(info.warningName, "all") << info.code << ": `all` is reserved";
    } else {
      EXPECT_EQ(info.severity, Severity::Error) << info.code;
      EXPECT_TRUE(info.warningName.empty()) << info.code;
    }
  }
}

TEST(DiagnosticTable, InfoIsIndexedByEnumValue) {
  for (const DiagInfo& info : allDiagnostics()) {
    auto code = diagCodeFromString(info.code);
    ASSERT_TRUE(code.has_value()) << info.code;
    EXPECT_EQ(&diagInfo(*code), &info);
  }
  EXPECT_EQ(diagInfo(kWarning).warningName, "ignored-file");
}

TEST(DiagnosticTable, CodeLookupIgnoresCaseAndRejectsUnknown) {
  EXPECT_EQ(diagCodeFromString("CP1001"), kError);
  EXPECT_EQ(diagCodeFromString("cp1001"), kError);
  EXPECT_EQ(diagCodeFromString("Cp1003"), kWarning);
  EXPECT_FALSE(diagCodeFromString("CP9999").has_value());
  EXPECT_FALSE(diagCodeFromString("CP100").has_value());
  EXPECT_FALSE(diagCodeFromString("").has_value());
}

// ---- filtering ----

TEST(DiagnosticEngine, CountsErrorsAndWarnings) {
  DiagnosticEngine engine;
  EXPECT_FALSE(engine.hasErrors());
  engine.report(kWarning, at("a.policy", 1, 1), "w");
  EXPECT_FALSE(engine.hasErrors());
  engine.report(kError, at("a.policy", 2, 1), "e");
  EXPECT_TRUE(engine.hasErrors());
  EXPECT_EQ(engine.errorCount(), 1u);
  EXPECT_EQ(engine.warningCount(), 1u);
}

TEST(DiagnosticEngine, WerrorPromotesWarningsAndKeepsCode) {
  DiagnosticEngine engine;
  engine.setWarningsAsErrors(true);
  engine.report(kWarning, at("a.policy", 1, 1), "skipped");
  ASSERT_EQ(engine.diagnostics().size(), 1u);
  EXPECT_EQ(engine.diagnostics()[0].severity, Severity::Error);
  EXPECT_EQ(engine.diagnostics()[0].code, kWarning);
  EXPECT_EQ(engine.errorCount(), 1u);
  EXPECT_EQ(engine.warningCount(), 0u);
  EXPECT_EQ(renderText(engine),
            "a.policy:1:1: error[CP1003]: skipped [-Werror,-Wignored-file]\n1 error generated.\n");
}

TEST(DiagnosticEngine, DisabledWarningIsDropped) {
  DiagnosticEngine engine;
  EXPECT_TRUE(engine.disableWarning("ignored-file"));
  engine.report(kWarning, at("a.policy", 1, 1), "skipped");
  engine.report(kError, at("a.policy", 1, 1), "broken");
  ASSERT_EQ(engine.diagnostics().size(), 1u);
  EXPECT_EQ(engine.diagnostics()[0].code, kError);
}

TEST(DiagnosticEngine, DisablingWinsOverWerror) {
  DiagnosticEngine engine;
  engine.setWarningsAsErrors(true);
  EXPECT_TRUE(engine.disableWarning("ignored-file"));
  engine.report(kWarning, at("a.policy", 1, 1), "skipped");
  EXPECT_TRUE(engine.diagnostics().empty());
}

TEST(DiagnosticEngine, DisableAllDropsEveryWarningButNoError) {
  DiagnosticEngine engine;
  EXPECT_TRUE(engine.disableWarning("all"));
  for (size_t i = 0; i < allDiagnostics().size(); ++i) {
    engine.report(static_cast<DiagCode>(i), at("a.policy", 1, 1), "m");
  }
  size_t errors = 0;
  for (const DiagInfo& info : allDiagnostics()) errors += info.severity == Severity::Error;
  EXPECT_EQ(engine.diagnostics().size(), errors);
  EXPECT_EQ(engine.warningCount(), 0u);
}

TEST(DiagnosticEngine, UnknownWarningNameIsRejected) {
  DiagnosticEngine engine;
  EXPECT_FALSE(engine.disableWarning("ignored-files"));
  EXPECT_FALSE(engine.disableWarning(""));
  EXPECT_FALSE(engine.disableWarning("CP1003"));
  engine.report(kWarning, at("a.policy", 1, 1), "still reported");
  EXPECT_EQ(engine.warningCount(), 1u);
}

TEST(DiagnosticEngine, ErrorCodesHaveNoWarningNameToDisable) {
  DiagnosticEngine engine;
  // Empty warning names belong to errors; they must not become a way to silence them.
  EXPECT_FALSE(engine.disableWarning(diagInfo(kError).warningName));
  engine.report(kError, at("a.policy", 1, 1), "e");
  EXPECT_EQ(engine.errorCount(), 1u);
}

TEST(DiagnosticEngine, SourceTextIsRegisteredPerPath) {
  DiagnosticEngine engine;
  EXPECT_EQ(engine.sourceText("a.policy"), nullptr);
  engine.addSource("a.policy", "text");
  ASSERT_NE(engine.sourceText("a.policy"), nullptr);
  EXPECT_EQ(*engine.sourceText("a.policy"), "text");
  EXPECT_EQ(engine.sourceText("b.policy"), nullptr);
}

// ---- text rendering ----

TEST(RenderText, QuotesLineWithCaretAndHint) {
  DiagnosticEngine engine;
  engine.addSource("p.policy", "policy web {\n  allow from { app = web } on tpc/80\n}\n");
  engine.report(kError, at("p.policy", 2, 31), "unknown protocol `tpc`", "did you mean `tcp`?", 3);
  EXPECT_EQ(renderText(engine),
            "p.policy:2:31: error[CP1001]: unknown protocol `tpc`\n"
            "  2 |   allow from { app = web } on tpc/80\n"
            "    |                               ^~~\n"
            "  = hint: did you mean `tcp`?\n"
            "1 error generated.\n");
}

TEST(RenderText, GutterWidensWithLineNumber) {
  DiagnosticEngine engine;
  std::string text;
  for (int i = 1; i <= 12; ++i) text += "line" + std::to_string(i) + "\n";
  engine.addSource("p.policy", text);
  engine.report(kError, at("p.policy", 12, 5), "here", {}, 2);
  EXPECT_EQ(renderText(engine),
            "p.policy:12:5: error[CP1001]: here\n"
            "  12 | line12\n"
            "     |     ^~\n"
            "1 error generated.\n");
}

TEST(RenderText, WarningCarriesFlagName) {
  DiagnosticEngine engine;
  engine.report(kWarning, at("dir/x.txt", 0, 0), "not a policy");
  EXPECT_EQ(renderText(engine),
            "dir/x.txt: warning[CP1003]: not a policy [-Wignored-file]\n1 warning generated.\n");
}

TEST(RenderText, KeepsReportOrder) {
  DiagnosticEngine engine;
  engine.report(kError, at("b.policy", 9, 1), "first");
  engine.report(kWarning, at("a.policy", 1, 1), "second");
  engine.report(kError, at("a.policy", 3, 2), "third");
  EXPECT_EQ(renderText(engine),
            "b.policy:9:1: error[CP1001]: first\n"
            "a.policy:1:1: warning[CP1003]: second [-Wignored-file]\n"
            "a.policy:3:2: error[CP1001]: third\n"
            "2 errors and 1 warning generated.\n");
}

TEST(RenderText, TabsArePreservedInCaretPadding) {
  EXPECT_EQ(renderOneError("t.policy", "\tallow\tfrom x\n", 1, 8, "bad", 4),
            "t.policy:1:8: error[CP1001]: bad\n"
            "  1 | \tallow\tfrom x\n"
            "    | \t     \t^~~~\n"
            "1 error generated.\n");
}

TEST(RenderText, UnderlineIsClippedToTheLine) {
  EXPECT_EQ(renderOneError("c.policy", "abcdef\r\n", 1, 5, "long", 40),
            "c.policy:1:5: error[CP1001]: long\n"
            "  1 | abcdef\n"
            "    |     ^~\n"
            "1 error generated.\n");
}

TEST(RenderText, ColumnPastEndPointsAfterLastCharacter) {
  EXPECT_EQ(renderOneError("c.policy", "abc", 1, 99, "missing `}`", 3),
            "c.policy:1:99: error[CP1001]: missing `}`\n"
            "  1 | abc\n"
            "    |    ^\n"
            "1 error generated.\n");
}

TEST(RenderText, NonPositiveLengthStillDrawsOneCaret) {
  EXPECT_EQ(renderOneError("c.policy", "abc\n", 1, 2, "m", -5),
            "c.policy:1:2: error[CP1001]: m\n  1 | abc\n    |  ^\n1 error generated.\n");
}

TEST(RenderText, MultiByteCharactersCountAsOneColumn) {
  EXPECT_EQ(renderOneError("u.policy", "\"ünï\" x\n", 1, 7, "m"),
            "u.policy:1:7: error[CP1001]: m\n  1 | \"ünï\" x\n    |       ^\n1 error generated.\n");
}

TEST(RenderText, LineBeyondTheFileQuotesNothing) {
  DiagnosticEngine engine;
  engine.addSource("s.policy", "one\ntwo\n");
  engine.report(kError, at("s.policy", 3, 1), "at end of file", "close the block");
  engine.report(kError, at("s.policy", 50, 1), "far away");
  EXPECT_EQ(renderText(engine),
            "s.policy:3:1: error[CP1001]: at end of file\n"
            "  = hint: close the block\n"
            "s.policy:50:1: error[CP1001]: far away\n"
            "2 errors generated.\n");
}

TEST(RenderText, UnknownColumnQuotesLineWithoutCaret) {
  EXPECT_EQ(renderOneError("s.policy", "one\ntwo\n", 2, 0, "m"),
            "s.policy:2: error[CP1001]: m\n  2 | two\n1 error generated.\n");
}

TEST(RenderText, UnregisteredSourceQuotesNothing) {
  DiagnosticEngine engine;
  engine.report(kError, at("gone.policy", 1, 1), "cannot read", "check the path");
  EXPECT_EQ(renderText(engine),
            "gone.policy:1:1: error[CP1001]: cannot read\n  = hint: check the path\n"
            "1 error generated.\n");
}

TEST(RenderText, NoFileNamesTheTool) {
  DiagnosticEngine engine;
  engine.report(kError, SourceLocation{}, "no input files");
  engine.report(kError, at("", 0, 0), "bad option");
  EXPECT_EQ(renderText(engine),
            "ciliumc: error[CP1001]: no input files\n"
            "ciliumc: error[CP1001]: bad option\n"
            "2 errors generated.\n");
}

TEST(RenderText, SummaryWording) {
  struct Case {
    int errors, warnings;
    std::string summary;
  };
  for (const Case& c : {Case{1, 0, "1 error generated.\n"}, Case{3, 0, "3 errors generated.\n"},
                        Case{0, 1, "1 warning generated.\n"}, Case{0, 2, "2 warnings generated.\n"},
                        Case{1, 1, "1 error and 1 warning generated.\n"},
                        Case{2, 5, "2 errors and 5 warnings generated.\n"}}) {
    DiagnosticEngine engine;
    for (int i = 0; i < c.warnings; ++i) engine.report(kWarning, SourceLocation{}, "w" + std::to_string(i));
    for (int i = 0; i < c.errors; ++i) engine.report(kError, SourceLocation{}, "e" + std::to_string(i));
    std::string text = renderText(engine);
    ASSERT_GE(text.size(), c.summary.size());
    EXPECT_EQ(text.substr(text.size() - c.summary.size()), c.summary);
  }
}

TEST(Engine, IdenticalDiagnosticIsReportedOnce) {
  DiagnosticEngine engine;
  engine.report(kError, at("p.policy", 1, 2), "bad");
  engine.report(kError, at("p.policy", 1, 2), "bad");
  engine.report(kError, at("p.policy", 1, 3), "bad");
  EXPECT_EQ(engine.errorCount(), 2u);
}

TEST(RenderText, NothingAtAllWhenClean) {
  DiagnosticEngine engine;
  EXPECT_EQ(renderText(engine), "");
  EXPECT_EQ(renderText(engine, true), "");
}

TEST(RenderText, ColorLikeClang) {
  DiagnosticEngine engine;
  engine.addSource("p.policy", "abc\n");
  engine.report(kError, at("p.policy", 1, 2), "bad", {}, 2);
  engine.report(kWarning, at("p.policy", 1, 1), "odd");
  std::string text = renderText(engine, true);
  EXPECT_NE(text.find("\x1b[1mp.policy:1:2:\x1b[0m \x1b[1;31merror[CP1001]:\x1b[0m"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\x1b[1;35mwarning[CP1003]:\x1b[0m"), std::string::npos) << text;
  EXPECT_NE(text.find("    |  \x1b[1;32m^~\x1b[0m\n"), std::string::npos) << text;
  EXPECT_EQ(renderText(engine, false).find('\x1b'), std::string::npos);
}

// ---- JSON ----

TEST(RenderJson, ShapeAndFields) {
  DiagnosticEngine engine;
  engine.report(kError, at("p.policy", 2, 31), "unknown protocol `tpc`", "did you mean `tcp`?", 3);
  engine.report(kWarning, at("dir/x.txt", 0, 0), "not a policy");
  nlohmann::json doc = renderJson(engine);
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["errors"], 1);
  EXPECT_EQ(doc["warnings"], 1);
  ASSERT_EQ(doc["diagnostics"].size(), 2u);
  const nlohmann::json& error = doc["diagnostics"][0];
  EXPECT_EQ(error["code"], "CP1001");
  EXPECT_EQ(error["severity"], "error");
  EXPECT_EQ(error["file"], "p.policy");
  EXPECT_EQ(error["line"], 2);
  EXPECT_EQ(error["column"], 31);
  EXPECT_EQ(error["message"], "unknown protocol `tpc`");
  EXPECT_EQ(error["hint"], "did you mean `tcp`?");
  EXPECT_FALSE(error.contains("warning_name"));
  const nlohmann::json& warning = doc["diagnostics"][1];
  EXPECT_EQ(warning["code"], "CP1003");
  EXPECT_EQ(warning["severity"], "warning");
  EXPECT_EQ(warning["warning_name"], "ignored-file");
  EXPECT_EQ(warning["line"], 0);
  EXPECT_FALSE(warning.contains("hint"));
}

TEST(RenderJson, OneLineWithTrailingNewlineAndEmptyListWhenClean) {
  DiagnosticEngine engine;
  std::ostringstream out;
  engine.renderJson(out);
  EXPECT_EQ(out.str(), "{\"format_version\":1,\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
}

TEST(RenderJson, PromotedWarningIsAnErrorWithItsName) {
  DiagnosticEngine engine;
  engine.setWarningsAsErrors(true);
  engine.report(kWarning, SourceLocation{}, "w");
  nlohmann::json doc = renderJson(engine);
  EXPECT_EQ(doc["errors"], 1);
  EXPECT_EQ(doc["diagnostics"][0]["severity"], "error");
  EXPECT_EQ(doc["diagnostics"][0]["code"], "CP1003");
  EXPECT_EQ(doc["diagnostics"][0]["warning_name"], "ignored-file");
  EXPECT_EQ(doc["diagnostics"][0]["file"], "");
}

TEST(RenderJson, InvalidUtf8DoesNotThrow) {
  DiagnosticEngine engine;
  engine.report(kError, at("b.bin", 1, 1), std::string("bad byte \xff here"));
  std::ostringstream out;
  EXPECT_NO_THROW(engine.renderJson(out));
  EXPECT_NO_THROW(nlohmann::json::parse(out.str()));
}

}  // namespace
}  // namespace ciliumc
