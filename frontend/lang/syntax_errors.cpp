#include "frontend/lang/syntax_errors.h"

#include <algorithm>
#include <fmt/format.h>

#include "Exceptions.h"
#include "InputMismatchException.h"
#include "Lexer.h"
#include "NoViableAltException.h"
#include "Parser.h"
#include "PolicyLangParser.h"
#include "support/strings.h"

namespace ciliumc {

using grammar::PolicyLangParser;

void SyntaxErrorSink::report(size_t byteOffset, int length, std::string message, std::string hint) {
  if (limitReached()) return;
  diags_.report(DiagCode::CP2001, source_.locationOfByte(byteOffset), std::move(message),
                std::move(hint), length);
  if (++errors_ == kMaxErrors) {
    diags_.report(DiagCode::CP2010, source_.locationOfByte(byteOffset),
                  fmt::format("too many syntax errors in this file; stopping after {}", kMaxErrors),
                  "fix the first errors, later ones are often consequences of them");
  }
}

// ---- lexer ----

void LexerErrorReporter::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token*, size_t, size_t,
                                     const std::string&, std::exception_ptr) {
  auto* lexer = static_cast<antlr4::Lexer*>(recognizer);
  const SourceText& source = sink_.source();
  size_t offset = source.byteOffsetOfCodePoint(lexer->tokenStartCharIndex);
  const std::string& bytes = source.bytes();
  if (offset >= bytes.size()) {
    sink_.report(offset, 1, "unexpected end of file");
    return;
  }
  unsigned char c = static_cast<unsigned char>(bytes[offset]);
  if (c == '"') {
    sink_.report(offset, 1, "unterminated string",
                 "a string must end with `\"` on the same line; write `\\\"` for a quote inside it");
  } else if (c == '$') {
    sink_.report(offset, 1, "unexpected character `$`",
                 "reserved labels are written with their source, e.g. `reserved:host`");
  } else if (c == '-' || c == '.' || c == '/') {
    sink_.report(offset, 1, fmt::format("unexpected character `{}`", static_cast<char>(c)),
                 "a word must start with a letter, a digit or `_`; put other text in double quotes");
  } else if (c >= 0x21 && c < 0x7F) {
    sink_.report(offset, 1, fmt::format("unexpected character `{}`", static_cast<char>(c)),
                 "words may contain letters, digits, `_`, `.`, `-` and `/`; put other text in "
                 "double quotes");
  } else if (c < 0x80) {
    sink_.report(offset, 1, fmt::format("unexpected control character 0x{:02x}", c),
                 c == 0 ? "is this a binary file?" : "");
  } else {
    sink_.report(offset, 1, "unexpected non-ASCII character",
                 "names, keys and values outside strings are ASCII; put other text in double quotes");
  }
}

// ---- parser ----
namespace {

int tokenByteLength(const SourceText& source, antlr4::Token* token) {
  if (token->getType() == antlr4::Token::EOF) return 1;
  size_t start = source.byteOffsetOfCodePoint(token->getStartIndex());
  size_t end = source.byteOffsetOfCodePoint(token->getStopIndex() + 1);
  return end > start ? static_cast<int>(end - start) : 1;
}

std::string describeFoundToken(antlr4::Token* token) {
  if (token->getType() == antlr4::Token::EOF) return "end of file";
  std::string text = token->getText();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return "`" + text + "`";
}

// The nearest enclosing rule context of `type`, or null.
template <class Context>
Context* enclosing(antlr4::tree::ParseTree* node) {
  for (; node != nullptr; node = node->parent)
    if (auto* context = dynamic_cast<Context*>(node)) return context;
  return nullptr;
}

// What kind of word the grammar wants here, phrased for a user.
std::string describeWordPosition(antlr4::ParserRuleContext* context) {
  for (antlr4::tree::ParseTree* node = context; node != nullptr; node = node->parent) {
    auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(node);
    if (rule == nullptr) continue;
    switch (rule->getRuleIndex()) {
      case PolicyLangParser::RuleLabelKey:
      case PolicyLangParser::RuleLabelEntry:
      case PolicyLangParser::RuleSelector:
      case PolicyLangParser::RuleRequirement: return "a label key";
      case PolicyLangParser::RuleValue:
      case PolicyLangParser::RuleValueList: return "a label value";
      case PolicyLangParser::RuleText: return "a string";
      case PolicyLangParser::RulePort:
      case PolicyLangParser::RulePortClause: return "a port such as `tcp/80`";
      case PolicyLangParser::RuleAddress: return "a CIDR such as `10.0.0.0/8`";
      case PolicyLangParser::RuleEndpoint:
        return "an endpoint (`namespace/name`, a name or an IP address)";
      case PolicyLangParser::RulePolicyBlock: return "a policy name";
      case PolicyLangParser::RuleTestBlock: return "a test name";
      case PolicyLangParser::RulePeer:
        return dynamic_cast<PolicyLangParser::EntityPeerContext*>(rule)
                   ? "an entity name such as `world`"
                   : "a CIDR such as `10.0.0.0/8`";
      case PolicyLangParser::RulePolicyClause: return "a namespace name";
      default: break;
    }
  }
  return "a word";
}

bool isKeywordToken(size_t type) {
  return type >= PolicyLangParser::POLICY && type <= PolicyLangParser::EXPECT;
}

std::string describeTokenType(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  if (type == antlr4::Token::EOF) return "end of file";
  if (type == PolicyLangParser::STRING) return "a string";
  if (type == PolicyLangParser::IPV6) return "an IPv6 address";
  std::string literal = vocabulary.getLiteralName(type);  // "'policy'"
  if (literal.size() >= 2) return "`" + literal.substr(1, literal.size() - 2) + "`";
  return vocabulary.getSymbolicName(type);
}

std::string joinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

struct ExpectedDescription {
  std::string text;                   // "`{`", "a label key", "`allow`, `deny` or `}`"
  std::vector<std::string> keywords;  // expected keywords, for "did you mean" hints
};

// Where a word is expected, keywords are only soft words and not listed separately.
ExpectedDescription describeExpected(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) {
  ExpectedDescription description;
  std::vector<std::string> items;
  bool wordExpected = expected.contains(static_cast<size_t>(PolicyLangParser::WORD));
  if (wordExpected) items.push_back(describeWordPosition(parser->getContext()));
  std::vector<ssize_t> types = expected.toList();
  // End of file reads best last: "expected `policy`, `test` or end of file".
  std::stable_partition(types.begin(), types.end(), [](ssize_t type) { return type >= 0; });
  for (ssize_t element : types) {
    size_t type = element < 0 ? antlr4::Token::EOF : static_cast<size_t>(element);
    bool partOfWord = type == PolicyLangParser::WORD || type == PolicyLangParser::STRING ||
                      type == PolicyLangParser::IPV6 || isKeywordToken(type);
    if (wordExpected && partOfWord) continue;
    std::string name = describeTokenType(parser->getVocabulary(), type);
    if (isKeywordToken(type)) description.keywords.push_back(name.substr(1, name.size() - 2));
    items.push_back(std::move(name));
  }
  description.text = items.empty() ? "something else" : joinAlternatives(items);
  return description;
}

// " after the policy name" for the block headers, where users most often forget the brace.
std::string contextPhrase(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) {
  if (expected.size() != 1 || !expected.contains(static_cast<size_t>(PolicyLangParser::LBRACE)))
    return "";
  antlr4::ParserRuleContext* context = parser->getContext();
  if (dynamic_cast<PolicyLangParser::PolicyBlockContext*>(context)) return " after the policy name";
  if (dynamic_cast<PolicyLangParser::TestBlockContext*>(context)) return " after the test name";
  if (auto* direction = dynamic_cast<PolicyLangParser::DirectionClauseContext*>(context))
    return " after `" + direction->direction->getText() + "`";
  if (dynamic_cast<PolicyLangParser::LabelsClauseContext*>(context)) return " after `labels`";
  if (enclosing<PolicyLangParser::SelectClauseContext>(context)) return " after `select`";
  if (enclosing<PolicyLangParser::RequireStatementContext>(context)) return " after `require`";
  return "";
}

std::string keywordHint(antlr4::Token* found, const std::vector<std::string>& keywords) {
  if (found->getType() != PolicyLangParser::WORD) return "";
  std::string match = closestMatch(found->getText(), keywords);
  return match.empty() ? "" : "did you mean `" + match + "`?";
}

}  // namespace

void ReadableErrorStrategy::emit(size_t byteOffset, int length, std::string message, std::string hint) {
  sink_.report(byteOffset, length, std::move(message), std::move(hint));
  if (sink_.limitReached()) throw antlr4::ParseCancellationException("too many syntax errors");
}

bool ReadableErrorStrategy::isCascade(antlr4::Parser* parser, antlr4::Token* found) {
  auto* block = enclosing<PolicyLangParser::TopBlockContext>(parser->getContext());
  if (block == nullptr) {
    // At file level: a stray `}` right after a recovered error belongs to that error.
    return lastErrorBlock_.has_value() && found->getType() == PolicyLangParser::RBRACE;
  }
  size_t start = block->getStart()->getTokenIndex();
  if (lastErrorBlock_ == start) return true;
  lastErrorBlock_ = start;
  return false;
}

void ReadableErrorStrategy::reportExpected(antlr4::Parser* parser, antlr4::Token* found,
                                           const antlr4::misc::IntervalSet& expected) {
  if (isCascade(parser, found)) return;
  const SourceText& source = sink_.source();
  ExpectedDescription description = describeExpected(parser, expected);
  std::string message = fmt::format("expected {}{}, found {}", description.text,
                                    contextPhrase(parser, expected), describeFoundToken(found));
  // A missing brace or parenthesis is pointed at the end of the previous token when the found
  // token is on a later line, and so is everything missing at the end of the file; a wrong
  // word or keyword is pointed at itself.
  antlr4::Token* previous = parser->getTokenStream()->LT(-1);
  bool onlyPunctuation = !expected.contains(static_cast<size_t>(PolicyLangParser::WORD)) &&
                         description.keywords.empty();
  bool atEnd = found->getType() == antlr4::Token::EOF;
  bool pointAfterPrevious = previous != nullptr &&
                            (atEnd || (onlyPunctuation && found->getLine() > previous->getLine()));
  if (pointAfterPrevious) {
    emit(source.byteOffsetOfCodePoint(previous->getStopIndex() + 1), 1, std::move(message),
         keywordHint(found, description.keywords));
  } else {
    emit(source.byteOffsetOfCodePoint(found->getStartIndex()), tokenByteLength(source, found),
         std::move(message), keywordHint(found, description.keywords));
  }
}

void ReadableErrorStrategy::reportNoViableAlternative(antlr4::Parser* parser,
                                                      const antlr4::NoViableAltException& e) {
  reportExpected(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void ReadableErrorStrategy::reportInputMismatch(antlr4::Parser* parser,
                                                const antlr4::InputMismatchException& e) {
  reportExpected(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void ReadableErrorStrategy::reportFailedPredicate(antlr4::Parser* parser,
                                                  const antlr4::FailedPredicateException& e) {
  // The grammar has no semantic predicates; kept for completeness.
  reportExpected(parser, e.getOffendingToken(), getExpectedTokens(parser));
}

void ReadableErrorStrategy::reportUnwantedToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  reportExpected(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

void ReadableErrorStrategy::reportMissingToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  reportExpected(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

antlr4::Token* ReadableErrorStrategy::recoverInline(antlr4::Parser* parser) {
  antlr4::Token* previous = parser->getTokenStream()->LT(-1);
  antlr4::Token* current = parser->getCurrentToken();
  bool startsNewLine = previous != nullptr && current->getLine() > previous->getLine();
  if (startsNewLine && singleTokenInsertion(parser)) return getMissingSymbol(parser);
  return DefaultErrorStrategy::recoverInline(parser);
}

}  // namespace ciliumc
