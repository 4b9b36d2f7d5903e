#include "frontend/lang/syntax_tree.h"

#include <fmt/format.h>

#include "BailErrorStrategy.h"
#include "Exceptions.h"
#include "atn/ParserATNSimulator.h"
#include "atn/PredictionMode.h"
#include "frontend/lang/syntax_errors.h"

namespace ciliumc {

namespace {

// Tries the fast SLL mode with no recovery; on failure re-parses in LL mode with readable
// error reporting. Both modes accept the same language; SLL is only faster.
grammar::PolicyLangParser::FileContext* parseTwoStage(SyntaxTree& tree, SyntaxErrorSink& sink) {
  auto& parser = *tree.parser;
  parser.removeErrorListeners();
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  try {
    return parser.file();
  } catch (const antlr4::ParseCancellationException&) {
  }
  tree.tokens->seek(0);
  parser.reset();
  parser.setErrorHandler(std::make_shared<ReadableErrorStrategy>(sink));
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::LL);
  try {
    auto* root = parser.file();
    return sink.errorCount() == 0 ? root : nullptr;
  } catch (const antlr4::ParseCancellationException&) {
    return nullptr;  // the error limit was reached; already reported
  }
}

}  // namespace

std::unique_ptr<SyntaxTree> parseSyntaxTree(const SourceText& source, DiagnosticEngine& diags) {
  SyntaxErrorSink sink(source, diags);
  if (auto invalid = source.firstInvalidUtf8()) {
    sink.report(*invalid, 1,
                fmt::format("invalid UTF-8 byte 0x{:02x}",
                            static_cast<unsigned char>(source.bytes()[*invalid])),
                "policy files must be UTF-8 text; is this a binary file?");
    return nullptr;
  }
  auto tree = std::make_unique<SyntaxTree>();
  try {
    tree->input = std::make_unique<antlr4::ANTLRInputStream>(source.lexerInput());
    tree->lexer = std::make_unique<grammar::PolicyLangLexer>(tree->input.get());
    LexerErrorReporter lexerErrors(sink);
    tree->lexer->removeErrorListeners();
    tree->lexer->addErrorListener(&lexerErrors);
    tree->tokens = std::make_unique<antlr4::CommonTokenStream>(tree->lexer.get());
    tree->tokens->fill();
    tree->lexer->removeErrorListeners();
    // Parser errors after lexer errors are mostly echoes of them: report the lexer's only.
    if (sink.errorCount() > 0) return nullptr;
    tree->parser = std::make_unique<grammar::PolicyLangParser>(tree->tokens.get());
    tree->root = parseTwoStage(*tree, sink);
  } catch (const std::exception& e) {
    // The runtime should not throw for any input; if it does, report instead of crashing.
    sink.report(0, 1, fmt::format("internal parser error: {}", e.what()));
    return nullptr;
  }
  if (tree->root == nullptr) return nullptr;
  return tree;
}

}  // namespace ciliumc
