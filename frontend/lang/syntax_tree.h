// Running the ANTLR lexer and parser over one file. Shared by the model builder (parse) and
// the formatter (fmt), which also needs the hidden-channel comment tokens.
// Internal to frontend/lang: includes ANTLR headers.
#pragma once
#include <memory>

#include "ANTLRInputStream.h"
#include "CommonTokenStream.h"
#include "PolicyLangLexer.h"
#include "PolicyLangParser.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/lang/source_text.h"

namespace ciliumc {

// Owns everything the parse tree points into; keep it alive while using `tree`.
struct SyntaxTree {
  std::unique_ptr<antlr4::ANTLRInputStream> input;
  std::unique_ptr<grammar::PolicyLangLexer> lexer;
  std::unique_ptr<antlr4::CommonTokenStream> tokens;  // every token, comments included
  std::unique_ptr<grammar::PolicyLangParser> parser;
  grammar::PolicyLangParser::FileContext* root = nullptr;
};

// Lexes and parses `source`. Returns null after reporting CP2001 (and CP2010) when the text is
// not valid UTF-8 or does not match the grammar. Never throws; linear in the input size (SLL
// prediction first, full LL only when SLL fails).
std::unique_ptr<SyntaxTree> parseSyntaxTree(const SourceText& source, DiagnosticEngine& diags);

}  // namespace ciliumc
