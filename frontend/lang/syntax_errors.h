// Readable syntax errors (CP2001) for the policy language, replacing ANTLR's default console
// listener and its token-set dumps: "expected `{` after the policy name, found `allow`".
// Internal to frontend/lang: includes ANTLR headers.
#pragma once
#include <optional>
#include <string>

#include "BaseErrorListener.h"
#include "DefaultErrorStrategy.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/lang/source_text.h"

namespace ciliumc {

// Counts and reports syntax errors of one file. After `kMaxErrors` it reports CP2010 once and
// asks the caller to stop (parser errors then cancel the parse; lexer errors are dropped).
class SyntaxErrorSink {
 public:
  static constexpr int kMaxErrors = 10;

  SyntaxErrorSink(const SourceText& source, DiagnosticEngine& diags) : source_(source), diags_(diags) {}

  void report(size_t byteOffset, int length, std::string message, std::string hint = {});
  int errorCount() const { return errors_; }
  bool limitReached() const { return errors_ >= kMaxErrors; }
  const SourceText& source() const { return source_; }

 private:
  const SourceText& source_;
  DiagnosticEngine& diags_;
  int errors_ = 0;
};

// Lexer errors: unexpected characters and unterminated strings.
class LexerErrorReporter : public antlr4::BaseErrorListener {
 public:
  explicit LexerErrorReporter(SyntaxErrorSink& sink) : sink_(sink) {}
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offendingSymbol, size_t line,
                   size_t charPositionInLine, const std::string& msg, std::exception_ptr e) override;

 private:
  SyntaxErrorSink& sink_;
};

// Parser errors: ANTLR's recovery (single-token insertion/deletion, resynchronisation) with
// messages phrased from the grammar context. Throws antlr4::ParseCancellationException once the
// sink's limit is reached; the parse driver catches it.
class ReadableErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit ReadableErrorStrategy(SyntaxErrorSink& sink) : sink_(sink) {}

  // When the offending token starts a new line, the user most likely forgot something at the
  // end of the previous line: try inserting the missing token before deleting the offending
  // one (ANTLR's default order), so `policy web` + newline + `select {}` recovers cleanly.
  antlr4::Token* recoverInline(antlr4::Parser* parser) override;

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* parser) override;
  void reportMissingToken(antlr4::Parser* parser) override;

 private:
  // "expected X, found Y" at the offending token (or right after the previous token when the
  // offending one starts a later line, as clang does for a missing `;`).
  void reportExpected(antlr4::Parser* parser, antlr4::Token* found, const antlr4::misc::IntervalSet& expected);
  void emit(size_t byteOffset, int length, std::string message, std::string hint);
  // Errors after the first one in the same top-level block are nearly always consequences of
  // the recovery (a selector's `}` taken for the block's), so only the first is reported.
  bool isCascade(antlr4::Parser* parser, antlr4::Token* found);

  SyntaxErrorSink& sink_;
  std::optional<size_t> lastErrorBlock_;  // token index where the block with an error starts
};

}  // namespace ciliumc
